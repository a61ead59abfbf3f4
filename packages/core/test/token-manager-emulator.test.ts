import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { loginWithTotp, TokenManager } from "../src/index.js";
import { demoConfig } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";

// The token manager with a real login: the headless flow over HTTP to the emulator (moved from the CLI's tests:
// it tests core, not the command). The store is the in-memory test sink; the sinks' own suites test storage.
let emulator: Emulator;
let sink: MemorySink;

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  sink = new MemorySink();
  emulator.clearLog();
});

function manager(): TokenManager {
  const config = demoConfig(emulator);
  return new TokenManager({ sinks: [sink], login: () => loginWithTotp(config) });
}

describe("getValidToken against the emulator", () => {
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

  test("a revoked stored token is never served: the manager logs in again", async () => {
    const first = await manager().getValidToken("main");
    sink.records.set("main", { ...first, revokedAt: Date.now() });
    const again = await manager().getValidToken("main");
    expect(again.accessToken.reveal()).not.toBe(first.accessToken.reveal());
    expect(emulator.steps("token").length).toBe(2);
  });
});
