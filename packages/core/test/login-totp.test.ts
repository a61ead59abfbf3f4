import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  DEFAULT_ENDPOINT_PROFILE,
  getProfile,
  loginWithTotp,
  NetworkError,
  TOTP_MIN_SECONDS_LEFT,
  UnexpectedResponseError,
  UpstoxApiError,
  type UpstoxTokenError,
} from "../src/index.js";
import { caught, demoConfig, freePort } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const IST = 5.5 * 3_600_000;
const { paths } = DEFAULT_ENDPOINT_PROFILE;

async function loginError(
  overrides: Parameters<typeof demoConfig>[1] = {},
  deps = {},
): Promise<UpstoxTokenError> {
  const error = await caught(() => loginWithTotp(demoConfig(emu, overrides), deps));
  if (!(error instanceof Error) || !("code" in error)) throw error;
  return error as UpstoxTokenError;
}

describe("loginWithTotp against the emulator", () => {
  test("default profile: a token the emulator accepts, in six requests", async () => {
    const config = demoConfig(emu);
    const token = await loginWithTotp(config);
    expect(token.source).toBe("totp");
    expect(token.profile.userId).toBe(DEMO_USER.userId);
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect((await getProfile(config, token.accessToken)).userId).toBe(DEMO_USER.userId);
    expect(emu.log.map((e) => e.step)).toEqual([
      "dialog",
      "otp-generate",
      "otp-verify",
      "2fa",
      "oauth-authorize",
      "token",
      "profile",
    ]);
    expect(emu.log.every((e) => e.status < 400)).toBe(true);
  });

  test("2026-09 profile: v5 verify (accounts[]) and v4 2FA (profileId in the body)", async () => {
    const token = await loginWithTotp(demoConfig(emu, { endpointProfile: "2026-09" }));
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    const used = emu.log.map((e) => e.path);
    expect(used).toContain("/login/open/v5/auth/1fa/otp-totp/verify");
    expect(used).toContain("/login/open/v4/auth/2fa");
  });

  test("expiry follows the 03:30 IST rule: issued at 02:30 IST, dies at 03:30 the same morning", async () => {
    const issued = Date.UTC(2026, 10, 18, 2, 30) - IST;
    let now = issued;
    emu.setNow(() => now);
    try {
      const token = await loginWithTotp(demoConfig(emu), { now: () => now });
      expect(token.issuedAt).toBe(Math.floor(issued / 1000) * 1000);
      expect(token.expiresAt).toBe(Date.UTC(2026, 10, 18, 3, 30) - IST);
      now = Date.UTC(2026, 10, 18, 3, 30) - IST;
      expect(emu.isTokenValid(token.accessToken.reveal())).toBe(false);
    } finally {
      emu.setNow(Date.now);
    }
  });

  test("sleepMs is spent between requests through deps.sleep", async () => {
    const sleeps: number[] = [];
    await loginWithTotp(demoConfig(emu, { sleepMs: 7 }), { sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([7, 7, 7, 7, 7]);
  });
});

describe("TOTP window (fake clock)", () => {
  const windowStart = Date.UTC(2026, 10, 18, 6, 0, 0);

  async function loginAt(offsetMs: number) {
    let now = windowStart + offsetMs;
    emu.setNow(() => now);
    const sleeps: number[] = [];
    try {
      const token = await loginWithTotp(demoConfig(emu), {
        now: () => now,
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
      });
      return { token, sleeps, now };
    } finally {
      emu.setNow(Date.now);
    }
  }

  test(`with fewer than ${TOTP_MIN_SECONDS_LEFT} s left, waits for the next window`, async () => {
    const { sleeps, now } = await loginAt(28_500);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1_500);
    expect(sleeps[0]).toBeLessThan(1_600);
    expect(now).toBeGreaterThanOrEqual(windowStart + 30_000);
  });

  test("with enough time left, does not wait", async () => {
    const { sleeps } = await loginAt(10_000);
    expect(sleeps).toEqual([]);
  });

  test("a rejected TOTP is retried once with the next window's code, in the same OTP session", async () => {
    emu.rejectTotp(1);
    const { token, sleeps, now } = await loginAt(10_000);
    expect(token.accessToken.reveal()).toMatch(/^eyJ/);
    expect(emu.steps("otp-generate")).toHaveLength(1);
    expect(emu.steps("otp-verify")).toHaveLength(2);
    expect(emu.steps("2fa")).toHaveLength(1);
    // It waited out the rest of the used window (20 s) and no more.
    expect(sleeps).toHaveLength(1);
    expect(now).toBeGreaterThanOrEqual(windowStart + 30_000);
    expect(now).toBeLessThan(windowStart + 31_000);
  });

  test("two rejected TOTPs: WRONG_TOTP after 2 verifies, 1 generate, no PIN sent", async () => {
    emu.rejectTotp(2);
    const error = (await caught(() => loginAt(10_000))) as UpstoxTokenError;
    expect(error.code).toBe("WRONG_TOTP");
    expect(error.pin).toBe("not-sent");
    expect(emu.steps("otp-generate")).toHaveLength(1);
    expect(emu.steps("otp-verify")).toHaveLength(2);
    expect(emu.steps("2fa")).toHaveLength(0);
  });

  test("UPSTOX_TOTP_RETRIES=0 gives up after the first rejected TOTP", async () => {
    emu.rejectTotp(1);
    let now = windowStart + 10_000;
    emu.setNow(() => now);
    try {
      const error = (await caught(() =>
        loginWithTotp(demoConfig(emu, { totpRetries: 0 }), {
          now: () => now,
          sleep: async (ms) => {
            now += ms;
          },
        }),
      )) as UpstoxTokenError;
      expect(error.code).toBe("WRONG_TOTP");
      expect(emu.steps("otp-verify")).toHaveLength(1);
    } finally {
      emu.setNow(Date.now);
    }
  });
});

describe("the PIN's state on every error", () => {
  test("a wrong PIN is 'refused'", async () => {
    const error = await loginError({ pin: "000000" });
    expect(error.pin).toBe("refused");
  });

  test("no answer to the PIN request leaves it 'sent' (Upstox may have counted it)", async () => {
    emu.inject({ path: /\/2fa$/, delayMs: 2_000 });
    const error = await loginError({ timeoutMs: 300 });
    expect(error.code).toBe("TIMEOUT");
    expect(error.pin).toBe("sent");
  });

  test("a failure after the PIN was accepted is 'accepted'", async () => {
    emu.inject({ path: "/v2/login/authorization/token", status: 503, body: "busy" });
    const error = await loginError();
    expect(error.pin).toBe("accepted");
  });

  test("a failure before the PIN step is 'not-sent'", async () => {
    emu.inject({ path: /otp\/generate$/, status: 503, body: "busy" });
    const error = await loginError();
    expect(error.pin).toBe("not-sent");
  });
});

describe("every error the emulator can produce is typed, with a hint", () => {
  test("wrong TOTP → WRONG_TOTP (retryable in the next window)", async () => {
    const error = await loginError({ totpSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", totpRetries: 0 });
    expect(error).toBeInstanceOf(UpstoxApiError);
    expect(error.code).toBe("WRONG_TOTP");
    expect(error.retryable).toBe(true);
    expect(error.hint).toMatch(/clock|30 s/);
    expect(emu.steps("2fa")).toHaveLength(0);
  });

  test("wrong PIN → WRONG_PIN, not retryable, and exactly one 2FA request", async () => {
    const error = await loginError({ pin: "000000" });
    expect(error.code).toBe("WRONG_PIN");
    expect(error.upstoxCode).toBe("1017106");
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/lock/i);
    expect(emu.steps("2fa")).toHaveLength(1);
    expect(emu.steps("oauth-authorize")).toHaveLength(0);
  });

  test("locked account → ACCOUNT_LOCKED (after the fifth wrong PIN, and for the right PIN after that)", async () => {
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await loginError({ pin: "000000" })).code);
    expect(codes).toEqual(["WRONG_PIN", "WRONG_PIN", "WRONG_PIN", "WRONG_PIN", "ACCOUNT_LOCKED"]);
    const error = await loginError();
    expect(error.code).toBe("ACCOUNT_LOCKED");
    expect(error.upstoxCode).toBe("1017090");
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/Forgot PIN/);
  });

  test("expired OTP session → OTP_SESSION_EXPIRED (retryable)", async () => {
    let now = Date.now();
    emu.setNow(() => now);
    let calls = 0;
    try {
      const error = await loginError(
        { sleepMs: 1 },
        {
          now: () => now,
          // The pause after OTP generate takes 6 minutes: longer than the validateOTPToken lives.
          sleep: async () => {
            calls += 1;
            if (calls === 2) now += 6 * 60_000;
          },
        },
      );
      expect(error.code).toBe("OTP_SESSION_EXPIRED");
      expect(error.upstoxCode).toBe("1017076");
      expect(error.retryable).toBe(true);
      expect(error.hint).toBeTruthy();
    } finally {
      emu.setNow(Date.now);
    }
  });

  test("outdated app version → APP_VERSION_OUTDATED; a newer appVersion fixes it", async () => {
    const error = await loginError({ appVersion: "3.9.0" });
    expect(error.code).toBe("APP_VERSION_OUTDATED");
    expect(error.upstoxCode).toBe("1017072");
    expect(error.hint).toMatch(/appVersion/);
    const strict = await startEmulator({ minAppVersion: "8.0.0" });
    try {
      const config = demoConfig(strict, { appVersion: "8.1.0" });
      expect(emulatorAccepts(strict, await loginWithTotp(config))).toBe(true);
    } finally {
      await strict.close();
    }
  });

  test("unknown client id → REDIRECT_MISMATCH at the dialog (Upstox's UDAPI100068)", async () => {
    const error = await loginError({ clientId: "00000000-0000-0000-0000-000000000000" });
    expect(error.code).toBe("REDIRECT_MISMATCH");
    expect(error.upstoxCode).toBe("UDAPI100068");
    expect(error.hint).toMatch(/UPSTOX_REDIRECT_URI/);
  });

  test("unregistered redirect URI → REDIRECT_MISMATCH", async () => {
    const error = await loginError({ redirectUri: "http://127.0.0.1:8976/other" });
    expect(error.code).toBe("REDIRECT_MISMATCH");
    expect(error.httpStatus).toBe(400);
  });

  test("wrong client secret → BAD_CLIENT_CREDENTIALS at the token exchange, which is sent once", async () => {
    const error = await loginError({ clientSecret: "wrong-secret" });
    expect(error.code).toBe("BAD_CLIENT_CREDENTIALS");
    expect(error.upstoxCode).toBe("UDAPI100069");
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/UPSTOX_CLIENT_SECRET/);
    expect(emu.steps("token")).toHaveLength(1);
  });

  test("inactive app → APP_INACTIVE", async () => {
    const app = emu.addApp({
      apiKey: "11111111-2222-3333-4444-555555555555",
      apiSecret: "s",
      redirectUris: [DEMO_APP.redirectUri],
      active: false,
    });
    const error = await loginError({ clientId: app.apiKey, clientSecret: app.apiSecret });
    expect(error.code).toBe("APP_INACTIVE");
    expect(error.upstoxCode).toBe("UDAPI100073");
  });

  test("segments inactive → SEGMENTS_INACTIVE", async () => {
    emu.addUser({
      mobile: "9123456789",
      totpSecret: DEMO_USER.totpSecret,
      pin: "246810",
      segmentsActive: false,
    });
    const error = await loginError({ mobile: "9123456789", pin: "246810" });
    expect(error.code).toBe("SEGMENTS_INACTIVE");
    expect(error.upstoxCode).toBe("UDAPI100058");
  });

  test("OTP rate limit → RATE_LIMITED (retryable)", async () => {
    const limited = await startEmulator({ otpRateLimit: { max: 1, windowMs: 600_000 } });
    try {
      await loginWithTotp(demoConfig(limited));
      const error = await caught(() => loginWithTotp(demoConfig(limited)));
      expect((error as UpstoxTokenError).code).toBe("RATE_LIMITED");
      expect((error as UpstoxTokenError).retryable).toBe(true);
      expect((error as UpstoxTokenError).hint).toMatch(/10 minutes/);
    } finally {
      await limited.close();
    }
  });

  test("HTTP 429 with UDAPI10005 → RATE_LIMITED", async () => {
    emu.inject({
      path: "/v2/login/authorization/token",
      status: 429,
      body: JSON.stringify({
        status: "error",
        errors: [{ error_code: "UDAPI10005", message: "Too Many Request Sent" }],
      }),
      headers: { "content-type": "application/json" },
    });
    const error = await loginError();
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.upstoxCode).toBe("UDAPI10005");
    expect(error.httpStatus).toBe(429);
  });

  test("5xx → UpstoxApiError, retryable", async () => {
    emu.inject({ path: paths.generateOtp, status: 503, body: "Service Unavailable" });
    const error = await loginError();
    expect(error).toBeInstanceOf(UpstoxApiError);
    expect(error.code).toBe("UPSTOX_API");
    expect(error.httpStatus).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.hint).toBeTruthy();
  });

  test("timeout → NetworkError TIMEOUT naming the path", async () => {
    emu.inject({ path: paths.verifyOtp, delayMs: 1_500 });
    const error = await loginError({ timeoutMs: 300 });
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toContain(paths.verifyOtp);
    expect(error.retryable).toBe(true);
    expect(error.hint).toMatch(/UPSTOX_TIMEOUT_MS/);
  });

  test("HTML instead of the dialog redirect → UnexpectedResponseError", async () => {
    emu.inject({
      path: "/v2/login/authorization/dialog",
      status: 200,
      body: "<html><body>Login</body></html>",
      headers: { "content-type": "text/html" },
    });
    const error = await loginError();
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.retryable).toBe(true);
  });

  test("garbage body → UnexpectedResponseError", async () => {
    emu.inject({ path: paths.twoFa, status: 200, body: "\u0000garbage{" });
    const error = await loginError();
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain("2fa");
    expect(error.message).toContain("not JSON");
  });

  test("JSON missing a field → UnexpectedResponseError naming it", async () => {
    emu.inject({
      path: paths.generateOtp,
      status: 200,
      body: JSON.stringify({ success: true, data: { message: "ok" } }),
      headers: { "content-type": "application/json" },
    });
    const error = await loginError();
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain("validateOTPToken");
  });

  test("nothing listening → NetworkError NETWORK", async () => {
    const port = await freePort();
    const error = await loginError({ apiBase: `http://127.0.0.1:${port}` });
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe("NETWORK");
    expect(error.hint).toBeTruthy();
  });

  test("missing credentials → ConfigError naming each variable, before any request", async () => {
    const config = { ...demoConfig(emu), pin: undefined, totpSecret: undefined };
    const error = await caught(() => loginWithTotp(config));
    expect((error as UpstoxTokenError).code).toBe("CONFIG_INVALID");
    expect((error as Error).message).toContain("UPSTOX_PIN_CODE");
    expect((error as Error).message).toContain("UPSTOX_TOTP_SECRET");
    expect(emu.log).toHaveLength(0);
  });

  test("an aborted signal stops the login", async () => {
    const controller = new AbortController();
    emu.inject({ path: paths.generateOtp, delayMs: 2_000 });
    setTimeout(() => controller.abort(), 100);
    const error = await loginError({}, { signal: controller.signal });
    expect(error.code).toBe("LOGIN_ABORTED");
  });
});

function emulatorAccepts(e: Emulator, token: { accessToken: { reveal(): string } }): boolean {
  return e.isTokenValid(token.accessToken.reveal());
}

test("fail closed: an unclassified fault after the PIN left is UNCLASSIFIED with the PIN's state, never retryable", async () => {
  const boom = new TypeError("Cannot read properties of undefined (reading 'code')");
  const noop = () => {};
  // The fault is injected into the step after the PIN (the app approval), through the flow's own logger.
  const logger = {
    debug: (_fields: object, message?: string) => {
      if (message?.includes("approving the app")) throw boom;
    },
    info: noop,
    warn: noop,
    error: noop,
  };
  const error = await loginError({}, { logger });
  expect(error.code).toBe("UNCLASSIFIED");
  expect(error.retryable).toBe(false);
  expect(error.pin).toBe("accepted");
  expect(error.cause).toBe(boom);
  expect(emu.steps("2fa")).toHaveLength(1);
});
