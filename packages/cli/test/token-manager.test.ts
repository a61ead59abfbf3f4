import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, loginWithTotp, silentLogger, TokenManager, type TokenSink } from "@upstox-token/core";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { sqliteSink } from "@upstox-token/sink-sqlite";
import { emulatorEnv } from "./support/emulator-env.js";

// The token manager with every part real: the headless login over HTTP to the emulator and a SQLite file.
let emulator: Emulator;
let dir: string;
let sink: TokenSink;

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
  dir = mkdtempSync(join(tmpdir(), "token-manager-"));
});
afterAll(async () => {
  await sink?.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await sink?.close();
  sink = await sqliteSink.create(sqliteSink.optionsSchema.parse({ path: `t-${Date.now()}.db` }), {
    baseDir: dir,
    logger: silentLogger,
  });
  emulator.clearLog();
});

function manager(): TokenManager {
  const config = loadConfig({ env: emulatorEnv(emulator), envFile: false });
  return new TokenManager({ sinks: [sink], login: () => loginWithTotp(config) });
}

describe("getValidToken against the emulator and a SQLite file", () => {
  test("50 concurrent callers and no stored token: exactly one login, and everyone gets its token", async () => {
    const shared = manager();
    const results = await Promise.all(Array.from({ length: 50 }, () => shared.getValidToken("main")));
    expect(emulator.steps("2fa").length).toBe(1);
    expect(emulator.steps("token").length).toBe(1);
    expect(new Set(results.map((r) => r.accessToken.reveal())).size).toBe(1);
    expect(emulator.isTokenValid(results[0]!.accessToken.reveal())).toBe(true);
  });

  test("a valid stored token is served with zero HTTP requests", async () => {
    const first = await manager().getValidToken("main");
    emulator.clearLog();
    const again = await manager().getValidToken("main");
    expect(emulator.log).toHaveLength(0);
    expect(again.accessToken.reveal()).toBe(first.accessToken.reveal());
    expect(again.generation).toBe(first.generation);
  });
});
