import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "../src/index.js";
import { type ApiErrorBody, decodeJwtPart, exchangeCode, LoginDriver } from "./support/login-driver.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearLog());

describe("headless login, driven with plain fetch and a hand-made cookie jar", () => {
  test("R1–R8 end to end", async () => {
    const driver = new LoginDriver(emulator);

    // R1: 302 to the login page with the internal client id and an opaque user_id.
    const dialog = await driver.dialog({ state: "XX56849" });
    expect(dialog.status).toBe(302);
    const location = new URL(dialog.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(`${emulator.loginBase}/login/v2/oauth/authorize`);
    expect([...location.searchParams.keys()]).toEqual([
      "redirect_uri",
      "response_type",
      "client_id",
      "user_id",
      "user_type",
    ]);
    expect(driver.internalClientId).toMatch(/^IND-[a-z0-9]{24}$/);
    expect(driver.dialogUserId).toHaveLength(22);
    expect(driver.internalRedirect).toBe(`${emulator.url}/login/authorization/redirect`);
    expect(location.searchParams.get("user_type")).toBe("individual");

    // R2
    const generated = await driver.generateOtp();
    expect(generated).toMatchObject({
      success: true,
      error: null,
      data: { nextRequestInterval: 120, userType: "CUSTOMER", isTotpEnabled: true },
    });
    expect(typeof generated.data?.validateOTPToken).toBe("string");

    // R3 (v4 shape) sets the identity cookie.
    const verified = await driver.verifyOtp();
    expect(verified.success).toBe(true);
    expect(verified.data).toMatchObject({
      message: "Your OTP has been successfully verified.",
      userType: "CUSTOMER",
      isSecretPinSet: true,
      userProfile: { userId: DEMO_USER.userId, firstName: "Demo", lastName: "User", avatarUrl: null },
    });
    const userProfile = verified.data?.userProfile as { profileId: unknown } | undefined;
    expect(Number.isInteger(userProfile?.profileId)).toBe(true);
    expect(driver.jar.get("auth_identity_token")).toBeTruthy();

    // R4 sets the web-session cookies.
    const pin = await driver.submitPin();
    expect(pin.data).toMatchObject({ redirectUri: null, appStatus: null, isExternalClientOAuthApp: true });
    expect(driver.jar.get("access_token")).toBeTruthy();
    expect(driver.jar.get("refresh_token")).toBeTruthy();

    // R5 gives the internal redirect with a 6-character code.
    const authorized = await driver.authorize();
    expect(authorized.data?.isApproved).toBe(true);
    const redirectUri = new URL(String(authorized.data?.redirectUri));
    expect(`${redirectUri.origin}${redirectUri.pathname}`).toBe(driver.internalRedirect);
    const code = redirectUri.searchParams.get("code") ?? "";
    expect(code).toMatch(/^[A-Za-z0-9]{6}$/);

    // The internal redirect forwards to the app's redirect URI with code and state.
    const hop = await fetch(redirectUri, { redirect: "manual" });
    expect(hop.status).toBe(302);
    expect(hop.headers.get("location")).toBe(`${DEMO_APP.redirectUri}?code=${code}&state=XX56849`);

    // R6: flat JSON, Content-Type exactly application/json, no cookies needed.
    const tokenResponse = await exchangeCode(emulator, code);
    expect(tokenResponse.status).toBe(200);
    expect(tokenResponse.headers.get("content-type")).toBe("application/json");
    const token = (await tokenResponse.json()) as Record<string, unknown>;
    expect(token).toMatchObject({
      email: "demo@example.com",
      exchanges: ["NSE", "NFO", "BSE", "CDS", "BFO", "BCD"],
      products: ["D", "CO", "I"],
      broker: "UPSTOX",
      user_id: DEMO_USER.userId,
      user_name: "Demo User",
      order_types: ["MARKET", "LIMIT", "SL", "SL-M"],
      user_type: "individual",
      poa: false,
      ddpi: false,
      is_active: true,
    });
    expect(token).not.toHaveProperty("status");
    const accessToken = String(token.access_token);
    expect(accessToken.startsWith("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.")).toBe(true);
    expect(typeof token.extended_token).toBe("string");
    const claims = decodeJwtPart(accessToken, 1);
    expect(Object.keys(claims)).toEqual(["sub", "jti", "isMultiClient", "isPlusPlan", "iat", "iss", "exp"]);
    expect(claims).toMatchObject({ sub: DEMO_USER.userId, isMultiClient: false, isPlusPlan: false });
    expect(claims.iss).toBe("udapi-gateway-service");
    expect((claims.exp as number) % 86_400).toBe(79_200); // 03:30 IST is 22:00 UTC
    expect(emulator.isTokenValid(accessToken)).toBe(true);
    expect(emulator.issuedTokens()).toContainEqual(
      expect.objectContaining({
        jti: claims.jti,
        sub: DEMO_USER.userId,
        apiKey: DEMO_APP.apiKey,
        revoked: false,
      }),
    );

    // R7, R8, and R7 again after logout.
    const auth = { authorization: `Bearer ${accessToken}`, accept: "application/json" };
    const profile = await fetch(`${emulator.url}/v2/user/profile`, { headers: auth });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ status: "success", data: { user_id: DEMO_USER.userId } });
    const logout = await fetch(`${emulator.url}/v2/logout`, { method: "DELETE", headers: auth });
    expect(await logout.json()).toEqual({ status: "success", data: true });
    const after = await fetch(`${emulator.url}/v2/user/profile`, { headers: auth });
    expect(after.status).toBe(401);
    expect((await after.json()) as ApiErrorBody).toEqual({
      status: "error",
      errors: [
        {
          errorCode: "UDAPI100050",
          message: "Invalid token used to access API",
          propertyPath: null,
          invalidValue: null,
          error_code: "UDAPI100050",
          property_path: null,
          invalid_value: null,
        },
      ],
    });
    expect(emulator.isTokenValid(accessToken)).toBe(false);

    // The log names every step, with the account where it is known.
    expect(emulator.log.map((e) => e.step)).toEqual([
      "dialog",
      "otp-generate",
      "otp-verify",
      "2fa",
      "oauth-authorize",
      "internal-redirect",
      "token",
      "profile",
      "logout",
      "profile",
    ]);
    expect(emulator.steps("2fa")[0]).toMatchObject({ status: 200, account: DEMO_USER.mobile });
    expect(emulator.steps("profile")[1]).toMatchObject({ status: 401, upstoxCode: "UDAPI100050" });
  });

  test("the 2026-09 variant: v5 verify returns accounts[], v4 2fa needs profileId", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp({ countryIsdCode: "+91" });
    const verified = await driver.verifyOtp(undefined, "v5");
    const accounts = verified.data?.accounts as Array<Record<string, unknown>>;
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ userId: DEMO_USER.userId, isDefault: true });
    const profileId = accounts[0]?.profileId;

    const withoutProfile = await driver.submitPin(undefined, {}, "v4");
    expect(withoutProfile.error?.code).toBe(1017016);
    const withProfile = await driver.submitPin(undefined, { profileId }, "v4");
    expect(withProfile.success).toBe(true);
    expect((await driver.authorize()).success).toBe(true);
  });

  test("the SPA's v5 OTP generate finds the dialog through its cookie", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    const [, body] = await driver.service("/login/open/v5/auth/1fa/otp/generate", {
      mobileNumber: DEMO_USER.mobile,
    });
    expect(body.success).toBe(true);
    driver.jar.delete("login_dialog");
    const [, orphan] = await driver.service("/login/open/v5/auth/1fa/otp/generate", {
      mobileNumber: DEMO_USER.mobile,
    });
    expect(orphan.error?.code).toBe(1017016);
  });

  test("a batpool-style unencoded form body is accepted", async () => {
    const code = await new LoginDriver(emulator).loginForCode();
    const body = `code=${code}&client_id=${DEMO_APP.apiKey}&client_secret=${DEMO_APP.apiSecret}&redirect_uri=${DEMO_APP.redirectUri}&grant_type=authorization_code`;
    const response = await fetch(`${emulator.url}/v2/login/authorization/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user_id: string }).user_id).toBe(DEMO_USER.userId);
  });

  test("the alternative localhost redirect URI works, and state is optional", async () => {
    const alt = "http://localhost:8976/callback";
    const driver = new LoginDriver(emulator);
    const code = await driver.loginForCode({ redirect_uri: alt });
    const hop = await fetch(`${driver.internalRedirect}?code=${code}`, { redirect: "manual" });
    expect(hop.headers.get("location")).toBe(`${alt}?code=${code}`);
    expect((await exchangeCode(emulator, code, { redirect_uri: alt })).status).toBe(200);
  });

  test("several users and apps", async () => {
    const app = emulator.addApp({
      apiKey: "second-app",
      apiSecret: "second-secret",
      redirectUris: ["http://127.0.0.1:9999/cb"],
    });
    const user = emulator.addUser({
      mobile: "9123456789",
      totpSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
      pin: "654321",
      userId: "ZZ9999",
      name: "Second Person",
    });
    expect(app.internalClientId).toMatch(/^IND-[a-z0-9]{24}$/);
    const driver = new LoginDriver(emulator, Date.now, user);
    const code = await driver.loginForCode({
      client_id: app.apiKey,
      redirect_uri: "http://127.0.0.1:9999/cb",
    });
    const response = await exchangeCode(emulator, code, {
      client_id: app.apiKey,
      client_secret: app.apiSecret,
      redirect_uri: "http://127.0.0.1:9999/cb",
    });
    expect(await response.json()).toMatchObject({ user_id: "ZZ9999", user_name: "Second Person" });
    expect(emulator.steps("2fa").at(-1)?.account).toBe("9123456789");
  });
});
