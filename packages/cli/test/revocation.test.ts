import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

async function storedToken(cwd: string, env: Record<string, string>): Promise<string> {
  const result = await runBin(
    ["generate-token", "--json", "--sink", "env:bot.env", "--sink", "sqlite:t.db"],
    {
      cwd,
      env,
    },
  );
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { access_token: string }).access_token;
}

test("logout --sink env:F marks the token revoked there, and status --sink env:F then exits 1", async () => {
  const cwd = tempDir();
  const env = emulatorEnv(emulator);
  const token = await storedToken(cwd, env);
  expect((await runBin(["status", "--sink", "env:bot.env"], { cwd, env })).code).toBe(0);

  const logout = await runBin(["logout", "--sink", "env:bot.env", "--sink", "sqlite:t.db"], { cwd, env });
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain("logged out");
  expect(logout.stdout).toContain("marked revoked");
  expect(emulator.isTokenValid(token)).toBe(false);
  expect(await Bun.file(join(cwd, "bot.env")).text()).toContain("UPSTOX_ACCESS_TOKEN_REVOKED_AT=");

  for (const sink of ["env:bot.env", "sqlite:t.db"]) {
    const status = await runBin(["status", "--sink", sink], { cwd, env });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("revoked");
  }
  const json = await runBin(["status", "--json", "--sink", "env:bot.env"], { cwd, env });
  expect(json.code).toBe(1);
  const body = JSON.parse(json.stdout) as { ok: boolean; entries: { state: string; revoked_at?: string }[] };
  expect(body.ok).toBe(false);
  expect(body.entries[0]?.state).toBe("revoked");
  expect(body.entries[0]?.revoked_at).toMatch(/\+05:30$/);
});

test("a token revoked at Upstox directly: status trusts the file, status --verify asks Upstox and exits 1", async () => {
  const cwd = tempDir();
  const env = emulatorEnv(emulator);
  const token = await storedToken(cwd, env);
  const verified = await runBin(["status", "--verify", "--sink", "env:bot.env"], { cwd, env });
  expect(verified.code).toBe(0);
  expect(verified.stdout).toContain("checked with Upstox");

  // Someone (another program, an IP change at Upstox) revokes it behind our back.
  const revoke = await fetch(`${emulator.apiBase}/v2/logout`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  expect(revoke.status).toBe(200);

  expect((await runBin(["status", "--sink", "env:bot.env"], { cwd, env })).code).toBe(0);
  const profileCalls = emulator.steps("profile").length;
  const refused = await runBin(
    ["status", "--verify", "--json", "--sink", "env:bot.env", "--sink", "sqlite:t.db"],
    {
      cwd,
      env,
    },
  );
  expect(refused.code).toBe(1);
  const body = JSON.parse(refused.stdout) as { entries: { state: string }[] };
  expect(body.entries.map((e) => e.state)).toEqual(["refused", "refused"]);
  // The same token in two sinks is asked about once.
  expect(emulator.steps("profile").length - profileCalls).toBe(1);
});
