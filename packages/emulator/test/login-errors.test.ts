import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, type EmulatorOptions, startEmulator } from "../src/index.js";
import { type ApiErrorBody, LoginDriver } from "./support/login-driver.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** A fresh emulator for tests that change options or lock the demo user. */
async function withEmulator(options: EmulatorOptions, run: (em: Emulator) => Promise<void>): Promise<void> {
  const em = await startEmulator(options);
  try {
    await run(em);
  } finally {
    await em.close();
  }
}

async function dialogError(query: Record<string, string>): Promise<[number, string | null, ApiErrorBody]> {
  const response = await new LoginDriver(emulator).dialog(query);
  return [response.status, response.headers.get("location"), (await response.json()) as ApiErrorBody];
}

describe("R1 dialog", () => {
  test("unknown client_id → 400 UDAPI100068, no redirect", async () => {
    const [status, location, body] = await dialogError({ client_id: "not-an-app" });
    expect([status, location]).toEqual([400, null]);
    expect(body.errors[0]).toMatchObject({ errorCode: "UDAPI100068", error_code: "UDAPI100068" });
  });

  test("redirect_uri must match exactly (trailing slash is a mismatch)", async () => {
    const [status, , body] = await dialogError({ redirect_uri: `${DEMO_APP.redirectUri}/` });
    expect(status).toBe(400);
    expect(body.errors[0]?.errorCode).toBe("UDAPI100068");
  });

  test("response_type other than code → UDAPI100036", async () => {
    const [status, , body] = await dialogError({ response_type: "token" });
    expect(status).toBe(400);
    expect(body.errors[0]?.errorCode).toBe("UDAPI100036");
  });

  test("inactive app → UDAPI100073", async () => {
    emulator.addApp({ apiKey: "sleepy", apiSecret: "s", redirectUris: ["http://x.test/cb"], active: false });
    const [status, , body] = await dialogError({ client_id: "sleepy", redirect_uri: "http://x.test/cb" });
    expect(status).toBe(400);
    expect(body.errors[0]?.errorCode).toBe("UDAPI100073");
  });
});

describe("R2 OTP generate", () => {
  test("missing userId → 1017016 with HTTP 200", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    const [response, body] = await driver.service("/login/open/v6/auth/1fa/otp/generate", {
      mobileNumber: DEMO_USER.mobile,
    });
    expect(response.status).toBe(200);
    expect(body).toEqual({
      success: false,
      data: null,
      error: { code: 1017016, message: "Something went wrong" },
    });
  });

  test("unknown mobile → 1017016", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    expect((await driver.generateOtp({ mobileNumber: "9000000000" })).error?.code).toBe(1017016);
  });

  test("X-Device-Details: missing, not WEB, or an old appVersion → 1017072", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    for (const header of [
      undefined,
      "platform=ANDROID|appVersion=9.0.0",
      "platform=WEB|appVersion=3.9.9",
      "platform=WEB|appVersion=latest",
    ]) {
      driver.headers = { "content-type": "application/json" };
      if (header) driver.headers["x-device-details"] = header;
      expect((await driver.generateOtp()).error?.code).toBe(1017072);
    }
    driver.headers["x-device-details"] = "platform=WEB|appVersion=4.10.0";
    expect((await driver.generateOtp()).success).toBe(true);
  });

  test("the version gate has a configurable minimum and can be switched off", async () => {
    await withEmulator({ minAppVersion: "8.0.0" }, async (em) => {
      const driver = new LoginDriver(em);
      await driver.dialog();
      expect((await driver.generateOtp()).error?.code).toBe(1017072);
    });
    await withEmulator({ minAppVersion: null }, async (em) => {
      const driver = new LoginDriver(em);
      driver.headers = { "content-type": "application/json" };
      await driver.dialog();
      expect((await driver.generateOtp()).success).toBe(true);
    });
  });

  test("rate limit: N per window per mobile → 1017069, then free again after the window", async () => {
    let now = Date.UTC(2026, 0, 5, 6, 0, 0);
    await withEmulator({ now: () => now, otpRateLimit: { max: 2, windowMs: 60_000 } }, async (em) => {
      const driver = new LoginDriver(em, () => now);
      await driver.dialog();
      expect((await driver.generateOtp()).success).toBe(true);
      expect((await driver.generateOtp()).success).toBe(true);
      const limited = await driver.generateOtp();
      expect(limited.error?.code).toBe(1017069);
      expect(em.steps("otp-generate").at(-1)).toMatchObject({
        upstoxCode: 1017069,
        account: DEMO_USER.mobile,
      });
      now += 60_000;
      expect((await driver.generateOtp()).success).toBe(true);
    });
  });
});

describe("R3 OTP/TOTP verify", () => {
  test("wrong TOTP → success:false, 'Invalid OTP. N attempts left', then the token is spent", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    const wrong = driver.totp() === "000000" ? "111111" : "000000";
    for (let left = 4; left >= 0; left--) {
      const body = await driver.verifyOtp(wrong);
      expect(body.success).toBe(false);
      expect(body.error).toEqual({ code: 1017016, message: `Invalid OTP. ${left} attempts left` });
    }
    expect((await driver.verifyOtp()).error?.code).toBe(1017076);
  });

  test("validateOTPToken must come back spelled validateOtpToken", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    const [, body] = await driver.service("/login/open/v4/auth/1fa/otp-totp/verify", {
      otp: driver.totp(),
      validateOTPToken: driver.validateOtpToken,
    });
    expect(body.error?.code).toBe(1017016);
  });

  test("TOTP window: ±1 step accepted, 2 steps off rejected", async () => {
    const now = Date.UTC(2026, 0, 5, 6, 0, 15);
    await withEmulator({ now: () => now }, async (em) => {
      for (const [offset, ok] of [
        [-30_000, true],
        [30_000, true],
        [-60_000, false],
      ] as const) {
        const driver = new LoginDriver(em, () => now + offset);
        await driver.dialog();
        await driver.generateOtp();
        expect((await driver.verifyOtp()).success).toBe(ok);
      }
    });
  });

  test("an expired validate token → 1017076 (TTL configurable)", async () => {
    let now = Date.UTC(2026, 0, 5, 6, 0, 0);
    await withEmulator({ now: () => now, otpSessionTtlMs: 60_000 }, async (em) => {
      const driver = new LoginDriver(em, () => now);
      await driver.dialog();
      await driver.generateOtp();
      now += 60_000;
      const body = await driver.verifyOtp();
      expect(body.error).toEqual({
        code: 1017076,
        message: "Your session to validate otp has expired, please try again.",
      });
    });
  });
});

describe("R4 PIN", () => {
  test("without the R3 cookie → 1017105", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    await driver.verifyOtp();
    driver.jar.delete("auth_identity_token");
    expect((await driver.submitPin()).error?.code).toBe(1017105);
  });

  test("a plaintext PIN → 1017106", async () => {
    await withEmulator({}, async (em) => {
      const driver = new LoginDriver(em);
      await driver.dialog();
      await driver.generateOtp();
      await driver.verifyOtp();
      expect((await driver.submitPin(DEMO_USER.pin)).error).toEqual({
        code: 1017106,
        message: "You have entered an incorrect PIN",
      });
      expect((await driver.submitPin()).success).toBe(true);
    });
  });

  test("5 wrong PINs lock the account (1017090), and it stays locked", async () => {
    await withEmulator({}, async (em) => {
      const driver = new LoginDriver(em);
      await driver.dialog();
      await driver.generateOtp();
      await driver.verifyOtp();
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await driver.submitPin(btoa("000000"))).error?.code ?? 0);
      expect(codes).toEqual([1017106, 1017106, 1017106, 1017106, 1017090]);
      expect((await driver.submitPin()).error?.code).toBe(1017090);
      const fresh = new LoginDriver(em);
      await fresh.dialog();
      await fresh.generateOtp();
      await fresh.verifyOtp();
      expect((await fresh.submitPin()).error?.code).toBe(1017090);
    });
  });

  test("client_id must be the internal IND- id and redirect_uri the internal redirect", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    await driver.verifyOtp();
    const apiKeyInstead = await driver.service(
      `/login/open/v3/auth/2fa?${driver.loginQuery({ client_id: DEMO_APP.apiKey })}`,
      { twoFAMethod: "SECRET_PIN", inputText: btoa(DEMO_USER.pin) },
    );
    expect(apiKeyInstead[1].error?.code).toBe(1017016);
    const appRedirect = await driver.service(
      `/login/open/v3/auth/2fa?${driver.loginQuery({ redirect_uri: DEMO_APP.redirectUri })}`,
      { twoFAMethod: "SECRET_PIN", inputText: btoa(DEMO_USER.pin) },
    );
    expect(appRedirect[1].error?.code).toBe(1017016);
    expect((await driver.submitPin()).success).toBe(true);
  });
});

describe("R5 OAuth approve", () => {
  test("without R4's access_token cookie → 4000001", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    await driver.verifyOtp();
    await driver.submitPin();
    driver.jar.delete("access_token");
    expect((await driver.authorize()).error?.code).toBe(4000001);
  });

  test("wrong client_id in the query → 1017016", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    await driver.verifyOtp();
    await driver.submitPin();
    const [, body] = await driver.service(
      `/login/v2/oauth/authorize?${driver.loginQuery({ client_id: "IND-aaaaaaaaaaaaaaaaaaaaaaaa", response_type: "code" })}`,
      { userOAuthApproval: true },
    );
    expect(body.error?.code).toBe(1017016);
  });
});

describe("toggles", () => {
  test("requireCookies:false lets a cookieless client through", async () => {
    await withEmulator({ requireCookies: false }, async (em) => {
      const driver = new LoginDriver(em);
      await driver.dialog();
      await driver.generateOtp();
      await driver.verifyOtp();
      driver.jar.delete("auth_identity_token");
      expect((await driver.submitPin()).success).toBe(true);
      driver.jar.delete("access_token");
      expect((await driver.authorize()).success).toBe(true);
    });
  });

  test("serviceErrorStatus sets the HTTP status of service errors", async () => {
    await withEmulator({ serviceErrorStatus: 400 }, async (em) => {
      const driver = new LoginDriver(em);
      await driver.dialog();
      const [response, body] = await driver.service("/login/open/v6/auth/1fa/otp/generate", {
        mobileNumber: "1",
      });
      expect(response.status).toBe(400);
      expect(body.success).toBe(false);
    });
  });
});

test("unknown paths get a §5.1 envelope", async () => {
  const response = await fetch(`${emulator.url}/v2/nothing/here`);
  expect(response.status).toBe(404);
  expect(((await response.json()) as ApiErrorBody).errors[0]?.error_code).toBe("UDAPI10000");
});
