import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.setNow(Date.now);
});

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; fix: string | null }[];
}
const failing = (report: Report) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const env = (overrides: Record<string, string> = {}) =>
  emulatorEnv(emulator, { UPSTOX_STATE_DIR: tempDir("upstox-state-"), ...overrides });

describe("upstox-token doctor", () => {
  test("--json passes on a healthy setup (exit 0) with no OTP or PIN request in the emulator's log", async () => {
    const dir = tempDir();
    const result = await runBin(["doctor", "--json", "--sink", "env:tokens.env"], { env: env(), cwd: dir });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.ok).toBe(true);
    expect(failing(report)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain(`sink env:${join(dir, "tokens.env")}`);
    expect(report.checks.every((c) => typeof c.detail === "string" && "fix" in c)).toBe(true);
    expect(emulator.log.filter((e) => e.account !== undefined)).toEqual([]);
    expect(emulator.steps("token")).toEqual([]);
  });

  test("names the failing check, exit 1: broken dialog, retired path, skewed clock, unwritable sink", async () => {
    const dialog = await runBin(["doctor", "--json"], {
      env: env({ UPSTOX_REDIRECT_URI: "http://127.0.0.1:9/not-registered" }),
    });
    expect(dialog.code).toBe(1);
    expect(failing(JSON.parse(dialog.stdout))).toEqual(["dialog"]);

    emulator.retirePath("/login/open/v3/auth/2fa");
    const retired = await runBin(["doctor", "--json"], { env: env() });
    expect(retired.code).toBe(1);
    expect(failing(JSON.parse(retired.stdout))).toEqual(["login service 2fa"]);
    emulator.reset();

    await fetch(`${emulator.url}/__emulator/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offsetMs: -120_000 }),
    });
    const skewed = await runBin(["doctor", "--json"], { env: env() });
    expect(skewed.code).toBe(1);
    const clock = JSON.parse(skewed.stdout) as Report;
    expect(failing(clock)).toEqual(["clock"]);
    expect(clock.checks.find((c) => c.name === "clock")?.detail).toContain("ahead of");
    emulator.setNow(Date.now);

    // A folder that is a file: unwritable even for root (the tests may run as root, where chmod does not bind).
    const dir = tempDir();
    writeFileSync(join(dir, "not-a-folder"), "");
    const sink = await runBin(["doctor", "--json", "--sink", "env:not-a-folder/tokens.env"], {
      env: env(),
      cwd: dir,
    });
    expect(sink.code).toBe(1);
    const names = failing(JSON.parse(sink.stdout));
    expect(names).toHaveLength(1);
    expect(names[0]).toStartWith("sink env");
  });

  test("human output: one line per check, the fix under a failure", async () => {
    emulator.retirePath("/login/open/v6/auth/1fa/otp/generate");
    const result = await runBin(["doctor"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("FAIL login service otp-generate");
    expect(result.stdout).toContain("fix: /login/open/v4/auth/1fa/otp/generate (profile 2026-05) answers");
    expect(result.stdout).toContain("ok   dialog");
  });
});

describe("generate-token when Upstox moves or blocks the login", () => {
  test("every path moved: ENDPOINT_NOT_FOUND (exit 1) naming UPSTOX_ENDPOINT_PROFILE, no PIN; a profile file fixes it", async () => {
    const moved = {
      "/login/open/v8/auth/1fa/otp/generate": "/login/open/v6/auth/1fa/otp/generate",
      "/login/open/v8/auth/1fa/otp-totp/verify": "/login/open/v4/auth/1fa/otp-totp/verify",
      "/login/open/v8/auth/2fa": "/login/open/v3/auth/2fa",
      "/login/v4/oauth/authorize": "/login/v2/oauth/authorize",
    };
    const control = await fetch(`${emulator.url}/__emulator/service-paths`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ table: moved }),
    });
    expect(control.status).toBe(200);
    const failed = await runBin(["generate-token", "--json"], { env: env() });
    expect(failed.code).toBe(1);
    const error = JSON.parse(failed.stdout).error as Record<string, string>;
    expect(error.code).toBe("ENDPOINT_NOT_FOUND");
    expect(error.hint).toContain("UPSTOX_ENDPOINT_PROFILE");
    expect(emulator.steps("2fa")).toHaveLength(0);

    const dir = tempDir();
    const [generateOtp, verifyOtp, twoFa, authorize] = Object.keys(moved);
    writeFileSync(
      join(dir, "endpoints.json"),
      JSON.stringify({ base: "default", paths: { generateOtp, verifyOtp, twoFa, authorize } }),
    );
    const fixed = await runBin(["generate-token", "--json"], {
      env: env({ UPSTOX_ENDPOINT_PROFILE: "./endpoints.json" }),
      cwd: dir,
    });
    expect(fixed.stderr).toBe("");
    expect(fixed.code).toBe(0);
    expect(emulator.isTokenValid(String(JSON.parse(fixed.stdout).access_token))).toBe(true);

    writeFileSync(join(dir, "bad.json"), JSON.stringify({ paths: { twoFa: "2fa" } }));
    const bad = await runBin(["generate-token"], {
      env: env({ UPSTOX_ENDPOINT_PROFILE: "./bad.json" }),
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.json");
    expect(bad.stderr).toContain("paths.twoFa");
  });

  test("a retired generate path: the login falls back, warns once, and the state dir remembers it", async () => {
    emulator.retirePath("/login/open/v6/auth/1fa/otp/generate");
    const stateDir = tempDir("upstox-state-");
    const first = await runBin(["generate-token", "--json"], { env: env({ UPSTOX_STATE_DIR: stateDir }) });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("Upstox moved otp-generate to /login/open/v4/auth/1fa/otp/generate");
    expect(readFileSync(join(stateDir, "endpoints.json"), "utf8")).toContain("2026-05");
    emulator.clearLog();
    const second = await runBin(["generate-token", "--json"], { env: env({ UPSTOX_STATE_DIR: stateDir }) });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
    expect(emulator.steps("otp-generate").map((e) => e.status)).toEqual([200]);
  });

  test("a Cloudflare challenge page: BLOCKED, exit 1, no profile hint", async () => {
    await fetch(`${emulator.url}/__emulator/cloudflare`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/login/open/v6/auth/1fa/otp/generate", count: 3 }),
    });
    const result = await runBin(["generate-token", "--json"], { env: env() });
    expect(result.code).toBe(1);
    const error = JSON.parse(result.stdout).error as Record<string, string>;
    expect(error.code).toBe("BLOCKED");
    expect(error.hint).not.toContain("UPSTOX_ENDPOINT_PROFILE");
    expect(error.hint).toContain("firewall");
    expect(emulator.steps("otp-generate")).toHaveLength(1);
  });
});
