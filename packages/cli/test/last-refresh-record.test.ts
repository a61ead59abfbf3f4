import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseLastRefresh, stateLayout, userKey } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

// A token the CLI stores is recorded in the state folder's last-refresh.json (cause "manual", the command),
// the file the daemon's status page reads: it says who stored the token, not "by another process".

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** The demo user's last-refresh.json in this test's state folder (test/support/isolated-state.ts). */
const lastRefreshFile = () =>
  stateLayout.lastRefresh(
    process.env.UPSTOX_STATE_DIR!,
    userKey({ mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey }),
  );

test("generate-token --sink writes the user's last-refresh.json: cause manual, the command, 0600", async () => {
  const dir = tempDir();
  const result = await runBin(["generate-token", "--json", "--sink", "sqlite:tokens.db"], {
    env: emulatorEnv(emulator),
    cwd: dir,
  });
  expect(result.code, result.stderr).toBe(0);
  const printed = JSON.parse(result.stdout) as { expires_at: string };
  const file = lastRefreshFile();
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const text = readFileSync(file, "utf8");
  // The daemon's own reader takes it (same shape); no token in it.
  const saved = parseLastRefresh(text);
  expect(saved).not.toBeNull();
  expect(saved!.cause).toBe("manual");
  expect(saved!.note).toBe("upstox-token generate-token");
  expect(saved!.loggedIn).toBe(true);
  expect(saved!.attempts).toBe(1);
  expect(saved!.expiresAt).toBe(Date.parse(printed.expires_at));
  expect(Object.values(saved!.sinks).map((s) => s.state)).toEqual(["ok"]);
  expect(text).not.toContain(String((JSON.parse(result.stdout) as { access_token: string }).access_token));
});

test("generate-token without a sink stores nothing, so it records nothing", async () => {
  const result = await runBin(["generate-token", "--json"], { env: emulatorEnv(emulator) });
  expect(result.code, result.stderr).toBe(0);
  expect(existsSync(lastRefreshFile())).toBe(false);
});
