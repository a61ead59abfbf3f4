import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

test("the sink check names every failing sink in one round, and the hint names the missing folder (no config file's folder)", async () => {
  const dir = tempDir("upstox-sinks-all-");
  const before = emulator.steps("token").length;
  const result = await runBin(
    ["generate-token", "--sink", "env:missing-a/one.env", "--sink", "env:missing-b/two.env"],
    { cwd: dir, env: { ...emulatorEnv(emulator), UPSTOX_STATE_DIR: dir, UPSTOX_TOKEN_LOCK_DIR: dir } },
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(join(dir, "missing-a"));
  expect(result.stderr).toContain(join(dir, "missing-b"));
  expect(result.stderr).not.toContain("config file's folder");
  // No login was spent.
  expect(emulator.steps("token").length).toBe(before);
});

test("status in a folder with upstox-token.config.json reads its sinks and account; a revoked token names the command that fixes it", async () => {
  const dir = tempDir("upstox-status-config-");
  const env = { ...emulatorEnv(emulator), UPSTOX_STATE_DIR: dir, UPSTOX_TOKEN_LOCK_DIR: dir };
  writeFileSync(
    join(dir, "upstox-token.config.json"),
    JSON.stringify({
      accounts: [{ name: "desk", flow: "totp", credentials: {} }],
      sinks: [{ use: "env", options: { path: "tokens.env" } }],
    }),
  );
  const empty = await runBin(["status"], { cwd: dir, env });
  expect(empty.stderr).not.toContain("needs at least one --sink");
  expect(empty.stdout).toContain("desk @ env");
  expect(empty.code).toBe(1);

  const made = await runBin(["generate-token", "--account", "desk", "--sink", "env:tokens.env"], {
    cwd: dir,
    env,
  });
  expect(made.code).toBe(0);
  const valid = await runBin(["status"], { cwd: dir, env });
  expect(valid.stdout).toContain("desk @ env");
  expect(valid.stdout).toContain("valid");
  expect(valid.code).toBe(0);
  // verify and doctor read the same config when no --sink is given.
  const verified = await runBin(["verify"], { cwd: dir, env });
  expect(verified.stdout).toContain("valid");
  expect(verified.stdout).toContain("env");
  expect(verified.code).toBe(0);
  const doctor = await runBin(["doctor"], { cwd: dir, env });
  expect(doctor.stdout).toMatch(/ok\s+sink env:.*tokens\.env: writable/);

  const out = await runBin(["logout", "--account", "desk", "--sink", "env:tokens.env"], { cwd: dir, env });
  expect(out.code).toBe(0);
  const revoked = await runBin(["status"], { cwd: dir, env });
  expect(revoked.code).toBe(1);
  expect(revoked.stdout).toContain("revoked");
  expect(revoked.stdout).toContain("upstox-token generate-token --account desk --sink env:tokens.env");
});
