import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "../src/index.js";
import { type ApiErrorBody, exchangeCode, LoginDriver } from "./support/login-driver.js";

let now = Date.UTC(2026, 2, 10, 6, 0, 0);
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ now: () => now, codeTtlMs: 60_000, otpRateLimit: null });
});
afterAll(() => emulator.close());

const freshCode = () => new LoginDriver(emulator, () => now).loginForCode();

async function errorOf(response: Response): Promise<[number, unknown]> {
  const body = (await response.json()) as ApiErrorBody;
  return [response.status, body.errors[0]?.error_code];
}

describe("R6 token exchange", () => {
  test("codes are single use", async () => {
    const code = await freshCode();
    expect((await exchangeCode(emulator, code)).status).toBe(200);
    expect(await errorOf(await exchangeCode(emulator, code))).toEqual([400, "UDAPI100057"]);
  });

  test('malformedTokens(1): the next exchange answers access_token "not-a-jwt", the one after a real token', async () => {
    emulator.malformedTokens(1);
    const first = (await (await exchangeCode(emulator, await freshCode())).json()) as {
      access_token: string;
    };
    expect(first.access_token).toBe("not-a-jwt");
    const second = (await (await exchangeCode(emulator, await freshCode())).json()) as {
      access_token: string;
    };
    expect(second.access_token.split(".")).toHaveLength(3);
  });

  test("grant_type other than authorization_code → 400 UDAPI100036, and the code is burnt anyway", async () => {
    const code = await freshCode();
    expect(await errorOf(await exchangeCode(emulator, code, { grant_type: "refresh_token" }))).toEqual([
      400,
      "UDAPI100036",
    ]);
    expect(await errorOf(await exchangeCode(emulator, code))).toEqual([400, "UDAPI100057"]);
  });

  test("bad client secret or unknown client → 401 UDAPI100069 (code burnt)", async () => {
    const code = await freshCode();
    expect(await errorOf(await exchangeCode(emulator, code, { client_secret: "nope" }))).toEqual([
      401,
      "UDAPI100069",
    ]);
    expect(await errorOf(await exchangeCode(emulator, code, { client_id: "nope" }))).toEqual([
      401,
      "UDAPI100069",
    ]);
    expect(await errorOf(await exchangeCode(emulator, code))).toEqual([400, "UDAPI100057"]);
  });

  test("redirect_uri not the one from R1 → UDAPI100068", async () => {
    const code = await freshCode();
    expect(
      await errorOf(await exchangeCode(emulator, code, { redirect_uri: "http://evil.test/cb" })),
    ).toEqual([400, "UDAPI100068"]);
    const second = await freshCode();
    // Registered, but not the one the dialog used.
    expect(
      await errorOf(await exchangeCode(emulator, second, { redirect_uri: "http://localhost:8976/callback" })),
    ).toEqual([400, "UDAPI100068"]);
  });

  test("unknown and expired codes → UDAPI100057 (TTL configurable)", async () => {
    expect(await errorOf(await exchangeCode(emulator, "zzzzzz"))).toEqual([400, "UDAPI100057"]);
    const code = await freshCode();
    now += 60_000;
    expect(await errorOf(await exchangeCode(emulator, code))).toEqual([400, "UDAPI100057"]);
    const young = await freshCode();
    now += 59_999;
    expect((await exchangeCode(emulator, young)).status).toBe(200);
  });

  test("a user without active segments → UDAPI100058", async () => {
    const user = emulator.addUser({
      mobile: "9988776655",
      totpSecret: "JBSWY3DPEHPK3PXQ",
      pin: "111111",
      segmentsActive: false,
    });
    const code = await new LoginDriver(emulator, () => now, user).loginForCode();
    const [status, errorCode] = await errorOf(await exchangeCode(emulator, code));
    expect(errorCode).toBe("UDAPI100058");
    expect(status).toBe(400);
  });

  test("the extended token is kept unless refresh_extended_token=true", async () => {
    const first = (await (await exchangeCode(emulator, await freshCode())).json()) as Record<string, string>;
    const second = (await (await exchangeCode(emulator, await freshCode())).json()) as Record<string, string>;
    expect(second.extended_token).toBe(first.extended_token as string);
    expect(second.access_token).not.toBe(first.access_token as string);
    expect(emulator.isTokenValid(first.access_token as string)).toBe(true); // a new login does not revoke
    const third = (await (
      await exchangeCode(emulator, await freshCode(), { refresh_extended_token: "true" })
    ).json()) as Record<string, string>;
    expect(third.extended_token).not.toBe(first.extended_token as string);
    const profile = await fetch(`${emulator.url}/v2/user/profile`, {
      headers: { authorization: `Bearer ${third.extended_token}` },
    });
    expect(profile.status).toBe(200);
  });
});

describe("R7 bearer checks", () => {
  test("missing, malformed, forged → 401 UDAPI100050", async () => {
    const good = (
      (await (await exchangeCode(emulator, await freshCode())).json()) as { access_token: string }
    ).access_token;
    const [h, p] = good.split(".");
    const forged = `${h}.${p}.${"A".repeat(43)}`;
    for (const authorization of [undefined, "Bearer", `Basic ${good}`, `Bearer ${forged}`]) {
      const response = await fetch(`${emulator.url}/v2/user/profile`, {
        headers: authorization ? { authorization } : {},
      });
      expect(await errorOf(response)).toEqual([401, "UDAPI100050"]);
    }
    const logout = await fetch(`${emulator.url}/v2/logout`, { method: "DELETE" });
    expect(logout.status).toBe(401);
  });
});
