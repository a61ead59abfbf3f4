import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { earlyMorningNote } from "../src/early-morning-note.js";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
let lockDir: string;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  lockDir = tempDir("upstox-cli-locks-");
  return () => rmSync(lockDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) =>
  emulatorEnv(emulator, { UPSTOX_TOKEN_LOCK_DIR: lockDir, ...extra });

test("a rejected TOTP: generate-token exits 1 with WRONG_TOTP, no PIN sent", async () => {
  emulator.rejectTotp(1);
  const result = await runBin(["generate-token", "--json"], { env: env({ UPSTOX_TOTP_RETRIES: "0" }) });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout).error.code).toBe("WRONG_TOTP");
  expect(result.stderr).toContain("WRONG_TOTP");
  expect(emulator.steps("otp-generate")).toHaveLength(1);
  expect(emulator.steps("otp-verify")).toHaveLength(1);
  expect(emulator.steps("2fa")).toHaveLength(0);
});

test("one rejected TOTP then a good one: 1 OTP generate, 2 verifies (next window, same session), 1 PIN", async () => {
  emulator.rejectTotp(1);
  const result = await runBin(["generate-token", "--json"], { env: env(), timeoutMs: 50_000 });
  expect(result.code).toBe(0);
  expect(emulator.isTokenValid(String(JSON.parse(result.stdout).access_token))).toBe(true);
  expect(emulator.steps("otp-generate")).toHaveLength(1);
  expect(emulator.steps("otp-verify")).toHaveLength(2);
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("token").filter((e) => e.status === 200)).toHaveLength(1);
}, 60_000);

test("an OTP rate limit: exit 1 with RATE_LIMITED and the time it may try again, one OTP request", async () => {
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      success: false,
      data: null,
      error: {
        code: 1017069,
        message: "You have exceeded the OTP request limit. Please try after 10 minutes.",
      },
    }),
  });
  const started = Date.now();
  const result = await runBin(["generate-token"], { env: env() });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("RATE_LIMITED");
  expect(result.stderr).toMatch(/no new login before \d{4}-\d\d-\d\d \d\d:\d\d IST/);
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(emulator.steps("otp-generate")).toHaveLength(1);
});

test("generate-token takes the account's file lock and releases it", async () => {
  const dir = tempDir();
  const result = await runBin(["generate-token", "--sink", "sqlite:tokens.db"], { env: env(), cwd: dir });
  expect(result.code).toBe(0);
  // Released: the lock directory is gone, only the folder remains.
  const { readdirSync } = await import("node:fs");
  expect(readdirSync(lockDir)).toEqual([]);
  expect(await Bun.file(join(dir, "tokens.db")).exists()).toBe(true);
});

test("before 03:30 IST the token's short life is spelled out; after it, nothing", () => {
  const at = (ist: string) => Date.parse(`${ist}+05:30`);
  const note = earlyMorningNote(at("2026-11-24T03:30:00"), at("2026-11-24T01:10:00"));
  expect(note).toContain("2026-11-24 03:30 IST");
  expect(note).toContain("in 2h 20m");
  expect(note).toContain("daily run after 03:30");
  expect(earlyMorningNote(at("2026-11-25T03:30:00"), at("2026-11-24T03:31:00"))).toBeNull();
  expect(earlyMorningNote(at("2026-11-25T03:30:00"), at("2026-11-24T23:59:00"))).toBeNull();
});

test('a token exchange answering "access_token":"not-a-jwt": exit 1 with TOKEN_MALFORMED, the .env sink holds nothing', async () => {
  emulator.malformedTokens(1);
  const dir = tempDir("upstox-cli-malformed-");
  try {
    const file = join(dir, "app.env");
    const result = await runBin(["generate-token", "--json", "--sink", `env:${file}`], { env: env() });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe("TOKEN_MALFORMED");
    expect(result.stdout).not.toContain("not-a-jwt");
    expect(existsSync(file) ? readFileSync(file, "utf8") : "").not.toContain("UPSTOX_ACCESS_TOKEN=");
    expect(emulator.steps("2fa")).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
