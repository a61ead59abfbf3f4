import { afterAll, beforeAll, describe, expect, test } from "bun:test";
// The official SDK is CommonJS without types; it is the independent client that checks the emulator.
import UpstoxClient from "upstox-js-sdk";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "../src/index.js";
import { LoginDriver } from "./support/login-driver.js";

interface SdkError {
  status?: number;
  response?: { text?: string };
}
type Callback<T> = (error: SdkError | null, data: T) => void;
interface Sdk {
  ApiClient: { instance: { basePath: string; authentications: { OAUTH2: { accessToken: string } } } };
  LoginApi: new () => {
    token(version: string, opts: Record<string, string>, cb: Callback<Record<string, unknown>>): void;
    logout(version: string, cb: Callback<{ status: string; data: boolean }>): void;
    initTokenRequestForIndieUser(
      body: unknown,
      clientId: string,
      cb: Callback<Record<string, unknown>>,
    ): void;
  };
  UserApi: new () => {
    getProfile(version: string, cb: Callback<{ status: string; data: Record<string, unknown> }>): void;
  };
  IndieUserTokenRequest: new () => { clientSecret?: string };
}
const sdk = UpstoxClient as unknown as Sdk;

function call<T>(run: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, data) => (error ? reject(error) : resolve(data))));
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
  sdk.ApiClient.instance.basePath = emulator.url;
});
afterAll(() => emulator.close());

describe("upstox-js-sdk against the emulator", () => {
  test("LoginApi.token → UserApi.getProfile → LoginApi.logout", async () => {
    const code = await new LoginDriver(emulator).loginForCode();
    const login = new sdk.LoginApi();
    const token = await call<Record<string, unknown>>((cb) =>
      login.token(
        "2.0",
        {
          code,
          clientId: DEMO_APP.apiKey,
          clientSecret: DEMO_APP.apiSecret,
          redirectUri: DEMO_APP.redirectUri,
          grantType: "authorization_code",
        },
        cb,
      ),
    );
    expect(token).toMatchObject({ userId: DEMO_USER.userId, broker: "UPSTOX", isActive: true, poa: false });
    expect(typeof token.accessToken).toBe("string");
    expect(typeof token.extendedToken).toBe("string");

    sdk.ApiClient.instance.authentications.OAUTH2.accessToken = String(token.accessToken);
    const profile = await call<{ status: string; data: Record<string, unknown> }>((cb) =>
      new sdk.UserApi().getProfile("2.0", cb),
    );
    expect(profile.status).toBe("success");
    expect(profile.data).toMatchObject({
      userId: DEMO_USER.userId,
      userName: "Demo User",
      email: "demo@example.com",
    });

    const logout = await call<{ status: string; data: boolean }>((cb) => login.logout("2.0", cb));
    expect(logout).toMatchObject({ status: "success", data: true });
    expect(emulator.isTokenValid(String(token.accessToken))).toBe(false);

    const rejected = await call((cb) => new sdk.UserApi().getProfile("2.0", cb)).catch((e: SdkError) => e);
    expect((rejected as SdkError).status).toBe(401);
    expect(JSON.parse((rejected as SdkError).response?.text ?? "{}").errors[0].errorCode).toBe("UDAPI100050");
  });

  test("LoginApi.initTokenRequestForIndieUser (R9)", async () => {
    emulator.addApp({
      apiKey: "sdk-v3-app",
      apiSecret: "sdk-v3-secret",
      redirectUris: ["http://127.0.0.1:8976/callback"],
      notifierUrl: "http://127.0.0.1:9/notify",
    });
    const result = await call<Record<string, unknown>>((cb) =>
      new sdk.LoginApi().initTokenRequestForIndieUser({ clientSecret: "sdk-v3-secret" }, "sdk-v3-app", cb),
    );
    expect(result).toMatchObject({ status: "success", data: { notifierUrl: "http://127.0.0.1:9/notify" } });
    const expiry = (result.data as { authorizationExpiry: string }).authorizationExpiry;
    expect(Number(expiry) % 86_400_000).toBe(79_200_000);
  });

  test("a bad code comes back to the SDK as UDAPI100057", async () => {
    const error = await call((cb) =>
      new sdk.LoginApi().token(
        "2.0",
        {
          code: "abc123",
          clientId: DEMO_APP.apiKey,
          clientSecret: DEMO_APP.apiSecret,
          redirectUri: DEMO_APP.redirectUri,
          grantType: "authorization_code",
        },
        cb,
      ),
    ).catch((e: SdkError) => e);
    expect((error as SdkError).status).toBe(400);
    expect((error as SdkError).response?.text).toContain("UDAPI100057");
  });
});
