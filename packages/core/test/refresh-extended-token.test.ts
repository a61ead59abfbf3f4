import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { loadConfig, loginWithTotp } from "../src/index.js";
import { demoConfig } from "./helpers.js";

// refresh_extended_token (protocol notes §15): off by default; on, each login brings a fresh extended token.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

test("off by default: the exchange keeps the live extended token; on: each login gets a fresh one", async () => {
  expect(loadConfig({ env: {}, envFile: false }).refreshExtendedToken).toBe(false);
  const first = await loginWithTotp(demoConfig(emulator));
  const second = await loginWithTotp(demoConfig(emulator));
  expect(first.extendedToken?.reveal()).toBeDefined();
  expect(second.extendedToken?.reveal()).toBe(first.extendedToken?.reveal());

  const on = demoConfig(emulator, { refreshExtendedToken: "true" });
  expect(on.refreshExtendedToken).toBe(true);
  const fresh = await loginWithTotp(on);
  expect(fresh.extendedToken?.reveal()).not.toBe(first.extendedToken?.reveal());
  // The old one is replaced at Upstox; the new one works.
  expect(emulator.isTokenValid(first.extendedToken!.reveal())).toBe(false);
  expect(emulator.isTokenValid(fresh.extendedToken!.reveal())).toBe(true);
});

test("UPSTOX_REFRESH_EXTENDED_TOKEN must be a boolean, named", () => {
  expect(() => loadConfig({ env: { UPSTOX_REFRESH_EXTENDED_TOKEN: "sometimes" }, envFile: false })).toThrow(
    /UPSTOX_REFRESH_EXTENDED_TOKEN must be true or false/,
  );
});
