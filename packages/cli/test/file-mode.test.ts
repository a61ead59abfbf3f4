import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

test("writing the token into a world-readable .env warns with the chmod 600 fix; ?mode=0600 tightens it", async () => {
  const cwd = tempDir();
  const file = join(cwd, "bot.env");
  writeFileSync(file, "OTHER=1\n");
  chmodSync(file, 0o644);
  const env = emulatorEnv(emulator);
  const loose = await runBin(["generate-token", "--sink", "env:bot.env"], { cwd, env });
  expect(loose.code).toBe(0);
  expect(loose.stderr).toContain("warning");
  expect(loose.stderr).toContain(file);
  expect(loose.stderr).toContain("chmod 600");
  expect(statSync(file).mode & 0o777).toBe(0o644);

  const tight = await runBin(["generate-token", "--sink", "env:bot.env?mode=0600"], { cwd, env });
  expect(tight.code).toBe(0);
  expect(tight.stderr).not.toContain("chmod 600");
  expect(statSync(file).mode & 0o777).toBe(0o600);
});
