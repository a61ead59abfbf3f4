import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ALGO_REVIEW_CODE, DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "../src/index.js";
import { type ApiErrorBody, exchangeCode, LoginDriver } from "./support/login-driver.js";

// The 2026 rules of protocol notes §15.1: an Algo ID in review, the one-app rule, the static-IP update.

const now = Date.UTC(2026, 11, 8, 6, 0, 0); // a Tuesday
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ now: () => now, otpRateLimit: null });
});
afterAll(() => emulator.close());

const freshCode = () => new LoginDriver(emulator, () => now).loginForCode();

async function errorOf(response: Response): Promise<[number, unknown, unknown]> {
  const body = (await response.json()) as ApiErrorBody & { errors: { message?: string }[] };
  return [response.status, body.errors[0]?.error_code, body.errors[0]?.message];
}

async function accessToken(): Promise<string> {
  const response = await exchangeCode(emulator, await freshCode());
  return ((await response.json()) as { access_token: string }).access_token;
}

describe("2026 rules", () => {
  test("an Algo ID in review refuses the exchange and the v3 token request until approved", async () => {
    emulator.setAlgoIdInReview(DEMO_APP.apiKey);
    try {
      const [status, code, message] = await errorOf(await exchangeCode(emulator, await freshCode()));
      expect([status, code]).toEqual([403, ALGO_REVIEW_CODE]);
      expect(String(message)).toContain("In Review");
      const notified = emulator.addApp({
        apiKey: "notified-app",
        apiSecret: "notified-secret",
        redirectUris: [DEMO_APP.redirectUri],
        notifierUrl: "http://127.0.0.1:9/notifier",
      });
      emulator.setAlgoIdInReview(notified.apiKey);
      const request = await fetch(`${emulator.apiBase}/v3/login/auth/token/request/${notified.apiKey}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_secret: "notified-secret" }),
      });
      expect((await errorOf(request)).slice(0, 2)).toEqual([403, ALGO_REVIEW_CODE]);
    } finally {
      emulator.setAlgoIdInReview(DEMO_APP.apiKey, false);
    }
    expect((await exchangeCode(emulator, await freshCode())).status).toBe(200);
  });

  test("a deleted app (one-app rule) answers as an unknown client: UDAPI100068 at the dialog, UDAPI100069 at the exchange", async () => {
    const app = emulator.addApp({
      apiKey: "old-app",
      apiSecret: "old-secret",
      redirectUris: [DEMO_APP.redirectUri],
    });
    const before = await fetch(
      `${emulator.apiBase}/v2/login/authorization/dialog?response_type=code&client_id=${app.apiKey}&redirect_uri=${encodeURIComponent(DEMO_APP.redirectUri)}`,
      { redirect: "manual" },
    );
    expect(before.status).toBe(302);
    emulator.deleteApp(app.apiKey);
    const after = await fetch(
      `${emulator.apiBase}/v2/login/authorization/dialog?response_type=code&client_id=${app.apiKey}&redirect_uri=${encodeURIComponent(DEMO_APP.redirectUri)}`,
      { redirect: "manual" },
    );
    expect((await errorOf(after)).slice(0, 2)).toEqual([400, "UDAPI100068"]);
    const exchanged = await exchangeCode(emulator, await freshCode(), {
      client_id: app.apiKey,
      client_secret: "old-secret",
    });
    expect((await errorOf(exchanged)).slice(0, 2)).toEqual([401, "UDAPI100069"]);
  });

  test("PUT /v2/user/ip invalidates the current token (access_tokens_invalidated: true); a second update that week is UDAPI1179", async () => {
    const token = await accessToken();
    const other = await accessToken();
    const put = (bearer: string) =>
      fetch(`${emulator.apiBase}/v2/user/ip`, {
        method: "PUT",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: JSON.stringify({ primary_ip: "203.0.113.7" }),
      });
    const first = await put(token);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { data: Record<string, unknown> }).data).toMatchObject({
      primary_ip: "203.0.113.7",
      access_tokens_invalidated: true,
    });
    expect(emulator.isTokenValid(token)).toBe(false);
    expect(emulator.isTokenValid(other)).toBe(false);
    const profile = await fetch(`${emulator.apiBase}/v2/user/profile`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(profile.status).toBe(401);

    const fresh = await accessToken();
    const got = await fetch(`${emulator.apiBase}/v2/user/ip`, {
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(((await got.json()) as { data: Record<string, unknown> }).data.primary_ip).toBe("203.0.113.7");
    const second = await put(fresh);
    expect((await errorOf(second)).slice(0, 2)).toEqual([400, "UDAPI1179"]);
    expect(emulator.isTokenValid(fresh)).toBe(true);
    // The library call says the same.
    expect(emulator.updateStaticIp(DEMO_USER.mobile)).toBe(false);
  });
});
