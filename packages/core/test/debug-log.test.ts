import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { getProfile, loginWithTotp, logout, redactUrl, type UpstoxTokenError } from "../src/internal.js";
import { captureLogger, caught, demoConfig } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const SECRETS = {
  pin: DEMO_USER.pin,
  base64Pin: Buffer.from(DEMO_USER.pin).toString("base64"),
  totpSecret: DEMO_USER.totpSecret,
  clientSecret: DEMO_APP.apiSecret,
};

describe("debug logging", () => {
  test("a full debug login logs every request and no secret", async () => {
    const logger = captureLogger();
    const token = await loginWithTotp(demoConfig(emu, { debug: true }), { logger });
    const http = logger.lines.filter((l) => l.message === "http");
    expect(http.map((l) => l.fields.step)).toEqual([
      "dialog",
      "otp-generate",
      "otp-verify",
      "2fa",
      "oauth-authorize",
      "token",
    ]);
    for (const line of http) {
      expect(line.fields).toHaveProperty("method");
      expect(line.fields).toHaveProperty("url");
      expect(line.fields).toHaveProperty("status");
      expect(line.fields).toHaveProperty("durationMs");
    }
    const text = logger.text();
    for (const [name, value] of Object.entries(SECRETS)) {
      expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
    }
    expect(text).not.toContain(token.accessToken.reveal());
    expect(text.toLowerCase()).not.toContain(DEMO_USER.totpSecret.toLowerCase());
  });

  test("debug off: no request lines", async () => {
    const logger = captureLogger();
    await loginWithTotp(demoConfig(emu), { logger });
    expect(logger.lines.filter((l) => l.message === "http")).toHaveLength(0);
  });

  test("a failed login's log and error carry no secret either", async () => {
    const logger = captureLogger();
    const error = (await caught(() =>
      loginWithTotp(demoConfig(emu, { debug: true, pin: "975310" }), { logger }),
    )) as UpstoxTokenError;
    expect(error.code).toBe("WRONG_PIN");
    const text = `${logger.text()}\n${JSON.stringify(error)}\n${error.message}\n${error.hint}`;
    expect(text).not.toContain("975310");
    expect(text).not.toContain(Buffer.from("975310").toString("base64"));
    expect(text).not.toContain(DEMO_APP.apiSecret);
  });

  test("profile and logout log the request, never the bearer token", async () => {
    const config = demoConfig(emu, { debug: true });
    const token = await loginWithTotp(config);
    const logger = captureLogger();
    await getProfile(config, token.accessToken, { logger });
    await logout(config, token.accessToken, { logger });
    expect(logger.lines.filter((l) => l.message === "http")).toHaveLength(2);
    expect(logger.text()).not.toContain(token.accessToken.reveal());
  });

  test("redactUrl hides secret query values", () => {
    const url = redactUrl("https://x.test/cb?code=ABC123&client_secret=s3cr3t&state=st&access_token=t0kv4l");
    expect(url).not.toContain("ABC123");
    expect(url).not.toContain("s3cr3t");
    expect(url).not.toContain("t0kv4l");
    expect(url).toContain("state=st");
    expect(url).toContain("code=***");
  });
});

describe("clock skew", () => {
  test("a clock more than 5 s off the server's is measured and warned about once", async () => {
    const logger = captureLogger();
    const skews: number[] = [];
    const config = demoConfig(emu);
    const token = await loginWithTotp(config);
    const behind = () => Date.now() - 60_000;
    await getProfile(config, token.accessToken, { logger, now: behind, onClockSkew: (s) => skews.push(s) });
    await getProfile(config, token.accessToken, { logger, now: behind });
    expect(skews).toHaveLength(1);
    expect(skews[0]).toBeGreaterThan(55_000);
    expect(skews[0]).toBeLessThan(65_000);
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]?.message).toContain("behind");
  });

  test("no warning when the clocks agree", async () => {
    const logger = captureLogger();
    const config = demoConfig(emu);
    const token = await loginWithTotp(config, { logger });
    await getProfile(config, token.accessToken, { logger });
    expect(logger.lines.filter((l) => l.level === "warn")).toHaveLength(0);
  });
});

describe("getProfile and logout", () => {
  test("logout revokes; the profile then says INVALID_TOKEN; a second logout returns false", async () => {
    const config = demoConfig(emu);
    const token = await loginWithTotp(config);
    expect(await logout(config, token.accessToken)).toBe(true);
    const error = (await caught(() => getProfile(config, token.accessToken))) as UpstoxTokenError;
    expect(error.code).toBe("INVALID_TOKEN");
    expect(error.httpStatus).toBe(401);
    expect(error.upstoxCode).toBe("UDAPI100050");
    expect(error.hint).toMatch(/03:30 IST/);
    expect(await logout(config, token.accessToken)).toBe(false);
  });

  test("a garbage token is INVALID_TOKEN", async () => {
    const error = (await caught(() => getProfile(demoConfig(emu), "not-a-token"))) as UpstoxTokenError;
    expect(error.code).toBe("INVALID_TOKEN");
  });
});
