import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "../src/index.js";
import { codeOf, exchangeCode, LoginDriver } from "./support/login-driver.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.setNow(Date.now);
});

const V6_GENERATE = "/login/open/v6/auth/1fa/otp/generate";
const post = (path: string, body: unknown = { data: {} }) =>
  fetch(`${emulator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const control = async (path: string, body: unknown) => (await post(`/__emulator/${path}`, body)).json();

describe("moving login-service paths", () => {
  test("a retired path answers an HTML 404 without a service envelope, logged under its step", async () => {
    emulator.retirePath(V6_GENERATE);
    const response = await post(V6_GENERATE);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("Not Found");
    expect(emulator.steps("otp-generate").map((e) => [e.path, e.status])).toEqual([[V6_GENERATE, 404]]);
  });

  test("json-404 and 405 styles", async () => {
    emulator.retirePath(V6_GENERATE, "json-404");
    const json = await post(V6_GENERATE);
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ status: 404, error: "Not Found" });
    emulator.retirePath(V6_GENERATE, "405");
    expect((await post(V6_GENERATE)).status).toBe(405);
  });

  test("servePathAs: a new path answers with a known one's rules; the old one keeps working until retired", async () => {
    emulator.servePathAs("/login/open/v9/auth/1fa/otp/generate", V6_GENERATE);
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    const [response, body] = await driver.service("/login/open/v9/auth/1fa/otp/generate", {
      mobileNumber: DEMO_USER.mobile,
      userId: driver.dialogUserId,
    });
    expect(response.status).toBe(200);
    expect(body.success).toBe(true);
    expect((await post(V6_GENERATE)).status).toBe(200); // a service error envelope, not a 404
    expect(() => emulator.servePathAs("/x", "/login/open/v1/unknown")).toThrow(/unknown service path/);
  });

  test("the control endpoint moves every path at once, and reset restores them", async () => {
    const answer = await control("service-paths", {
      table: { "/login/open/v7/auth/2fa": "/login/open/v3/auth/2fa" },
      style: "json-404",
    });
    expect(answer.paths).toEqual({ "/login/open/v7/auth/2fa": "/login/open/v3/auth/2fa" });
    expect((await post("/login/open/v3/auth/2fa")).status).toBe(404);
    expect((await post(V6_GENERATE)).status).toBe(404);
    expect((await post("/login/open/v7/auth/2fa")).status).toBe(200);
    emulator.reset();
    expect((await post(V6_GENERATE)).status).toBe(200);
    const retired = await control("service-paths", { retire: [V6_GENERATE] });
    expect(retired.paths[V6_GENERATE]).toBeUndefined();
    expect((await control("service-paths", { style: "teapot" })).ok).toBe(false);
  });
});

describe("the May 2026 variant and a code in the 2FA answer", () => {
  test("generate v4, 2FA v6 and approval at /login/open/v6 want the account host as the internal redirect", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    const [, generated] = await driver.service("/login/open/v4/auth/1fa/otp/generate", {
      mobileNumber: DEMO_USER.mobile,
      userId: driver.dialogUserId,
    });
    expect(generated.success).toBe(true);
    driver.validateOtpToken = String(generated.data?.validateOTPToken);
    expect((await driver.verifyOtp()).success).toBe(true);
    // The dialog's own redirect is refused at v6; the account host is accepted.
    expect((await driver.submitPin(undefined, {}, "v6")).error?.code).toBe(1017016);
    driver.internalRedirect = "https://account.upstox.com/";
    expect((await driver.submitPin(undefined, {}, "v6")).success).toBe(true);
    const query = driver.loginQuery({ requestId: "PW3a1b2c3d4e5", response_type: "code" });
    const [, approved] = await driver.service(`/login/open/v6/auth/oauth/authorize?${query}`, {
      userOAuthApproval: true,
    });
    expect(String(approved.data?.redirectUri)).toStartWith("https://account.upstox.com/?code=");
    const exchanged = await exchangeCode(emulator, codeOf(String(approved.data?.redirectUri)));
    expect(exchanged.status).toBe(200);
  });

  test("codeInTwoFaResponse: the 2FA answer's redirectUri carries a working code", async () => {
    await control("code-in-2fa", { on: true });
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    await driver.generateOtp();
    await driver.verifyOtp();
    const pin = await driver.submitPin();
    const code = codeOf(String(pin.data?.redirectUri));
    expect(code).toMatch(/^[A-Za-z0-9]{6}$/);
    expect((await exchangeCode(emulator, code)).status).toBe(200);
  });
});

describe("Cloudflare and the clock", () => {
  test("cloudflareChallenge answers Cloudflare's block page, then the path works again", async () => {
    emulator.cloudflareChallenge({ path: V6_GENERATE });
    const blocked = await post(V6_GENERATE);
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get("server")).toBe("cloudflare");
    expect(blocked.headers.get("cf-ray")).toMatch(/^[0-9a-f]{16}-BOM$/);
    const page = await blocked.text();
    expect(page).toContain("<title>Attention Required! | Cloudflare</title>");
    expect(page.replace(/<[^>]+>/g, " ")).toMatch(/Error\s+1010/);
    expect((await post(V6_GENERATE)).status).toBe(200);
    await control("cloudflare", { pathPattern: "^/v2/", count: 1 });
    expect((await fetch(`${emulator.url}/v2/user/profile`)).status).toBe(403);
  });

  test("the Date header follows the emulator's clock (so clients can measure skew)", async () => {
    emulator.setNow(() => Date.parse("2026-12-01T04:00:00Z"));
    const response = await post(V6_GENERATE);
    expect(response.headers.get("date")).toBe("Tue, 01 Dec 2026 04:00:00 GMT");
  });

  test("several accounts on one number: v5 lists them, 2FA v4 chooses by profileId, the token is that account's", async () => {
    emulator.addUser({
      mobile: "9000000001",
      totpSecret: DEMO_USER.totpSecret,
      pin: "112233",
      userId: "AB1111",
      profileId: 51,
      linkedAccounts: [{ userId: "CD2222", profileId: 52 }],
    });
    const driver = new LoginDriver(emulator, Date.now, {
      mobile: "9000000001",
      totpSecret: DEMO_USER.totpSecret,
      pin: "112233",
    });
    await driver.dialog();
    await driver.generateOtp();
    const verified = await driver.verifyOtp(undefined, "v5");
    const accounts = (verified.data?.accounts ?? []) as { userId: string }[];
    expect(accounts.map((a) => a.userId)).toEqual(["AB1111", "CD2222"]);
    expect((await driver.submitPin(undefined, { profileId: 52 }, "v4")).success).toBe(true);
    const code = codeOf(String((await driver.authorize()).data?.redirectUri));
    const token = (await (await exchangeCode(emulator, code)).json()) as { user_id: string };
    expect(token.user_id).toBe("CD2222");
  });
});
