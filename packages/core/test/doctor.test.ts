import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { ConfigError, type DoctorReport, runDoctor, SinkError } from "../src/index.js";
import { demoConfig } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.setNow(Date.now);
});

const failing = (report: DoctorReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const line = (report: DoctorReport, name: string) => report.checks.find((c) => c.name === name);

describe("runDoctor against the emulator", () => {
  test("a healthy setup passes every check, and no OTP or PIN request reaches the emulator", async () => {
    const report = await runDoctor({ config: demoConfig(emu) });
    expect(failing(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      "config",
      "dns 127.0.0.1",
      "tls 127.0.0.1",
      "clock",
      "dialog",
      "login service otp-generate",
      "login service otp-verify",
      "login service 2fa",
      "login service oauth-authorize",
    ]);
    expect(line(report, "tls 127.0.0.1")?.detail).toContain("skipped");
    // No mobile number, no OTP session, no PIN: every login-service probe was refused by the service.
    expect(emu.log.filter((e) => e.account !== undefined)).toEqual([]);
    for (const step of ["otp-generate", "otp-verify", "2fa", "oauth-authorize"] as const) {
      expect(emu.steps(step).map((e) => e.upstoxCode !== undefined)).toEqual([true]);
    }
    expect(emu.steps("token")).toEqual([]);
  });

  test("a broken dialog (redirect URI not registered) fails the dialog check with Upstox's hint", async () => {
    const report = await runDoctor({ config: demoConfig(emu, { redirectUri: "http://127.0.0.1:1/nope" }) });
    expect(failing(report)).toEqual(["dialog"]);
    expect(line(report, "dialog")?.detail).toContain("UDAPI100068");
    expect(line(report, "dialog")?.fix).toContain("UPSTOX_REDIRECT_URI");
  });

  test("a retired path fails its step and names the known path the login falls back to", async () => {
    emu.retirePath("/login/open/v6/auth/1fa/otp/generate");
    const report = await runDoctor({ config: demoConfig(emu) });
    expect(failing(report)).toEqual(["login service otp-generate"]);
    expect(line(report, "login service otp-generate")?.detail).toContain("not found (HTTP 404)");
    expect(line(report, "login service otp-generate")?.fix).toContain("/login/open/v4/auth/1fa/otp/generate");
    expect(emu.log.filter((e) => e.account !== undefined)).toEqual([]);
  });

  test("a skewed clock fails the clock check", async () => {
    emu.setNow(() => Date.now() + 90_000);
    const report = await runDoctor({ config: demoConfig(emu) });
    expect(failing(report)).toEqual(["clock"]);
    expect(line(report, "clock")?.detail).toMatch(/(89|90|91) s behind/);
    expect(line(report, "clock")?.fix).toContain("NTP");
  });

  test("a Cloudflare challenge is reported as a block", async () => {
    emu.cloudflareChallenge({ path: "/login/open/v3/auth/2fa" });
    const report = await runDoctor({ config: demoConfig(emu) });
    expect(failing(report)).toEqual(["login service 2fa"]);
    expect(line(report, "login service 2fa")?.detail).toContain("firewall");
  });

  test("an invalid config and a failing shell check are named, with their fixes", async () => {
    const sink = {
      name: "sink env",
      run: async () => {
        throw new SinkError("SINK_CHECK_FAILED", "env", "env: /ro/.env is not writable", {
          hint: "chmod it",
        });
      },
    };
    const report = await runDoctor({
      config: {
        error: new ConfigError("UPSTOX_PIN_CODE must be your 6-digit Upstox PIN", { hint: "fix it" }),
      },
      checks: [sink, { name: "lock", run: async () => "reachable" }],
      extra: [{ name: "next runs", ok: true, detail: "default: 2026-12-02T03:35+05:30" }],
    });
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.name, c.ok, c.fix])).toEqual([
      ["config", false, "fix it"],
      ["sink env", false, "chmod it"],
      ["lock", true, undefined],
      ["next runs", true, undefined],
    ]);
  });
});
