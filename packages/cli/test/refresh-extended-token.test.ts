import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { sqliteToken } from "./support/init-setup-check.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

test("UPSTOX_REFRESH_EXTENDED_TOKEN=true: each login stores a fresh extended token beside the access token", async () => {
  const dir = tempDir("upstox-extended-");
  const env = { ...emulatorEnv(emulator), UPSTOX_STATE_DIR: dir, UPSTOX_TOKEN_LOCK_DIR: dir };
  const db = join(dir, "tokens.db");
  const first = await runBin(["generate-token", "--sink", `sqlite:${db}`], { cwd: dir, env });
  expect(first.code).toBe(0);
  const kept = (await sqliteToken(db))?.extendedToken?.reveal();
  expect(kept).toBeDefined();

  const off = await runBin(["generate-token", "--sink", `sqlite:${db}`], { cwd: dir, env });
  expect(off.code).toBe(0);
  expect((await sqliteToken(db))?.extendedToken?.reveal()).toBe(kept);

  const on = await runBin(["generate-token", "--sink", `sqlite:${db}`], {
    cwd: dir,
    env: { ...env, UPSTOX_REFRESH_EXTENDED_TOKEN: "true" },
  });
  expect(on.code).toBe(0);
  const fresh = (await sqliteToken(db))?.extendedToken?.reveal();
  expect(fresh).toBeDefined();
  expect(fresh).not.toBe(kept);
  expect(emulator.isTokenValid(fresh!)).toBe(true);
  expect(emulator.isTokenValid(kept!)).toBe(false);
});
