process.env.TZ = "America/New_York"; // the rule must not depend on the machine's zone

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator, upstoxExpiryMs } from "../src/index.js";
import { decodeJwtPart, exchangeCode, LoginDriver } from "./support/login-driver.js";

/** ms since epoch of a wall-clock time in IST (UTC+05:30). */
const ist = (iso: string) => Date.parse(`${iso}+05:30`);

let now = ist("2026-03-11T10:00:00");
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ now: () => now });
});
afterAll(() => emulator.close());

async function tokenIssuedAt(issuedAt: number): Promise<string> {
  now = issuedAt;
  const code = await new LoginDriver(emulator, () => now).loginForCode();
  const body = (await (await exchangeCode(emulator, code)).json()) as { access_token: string };
  return body.access_token;
}

describe("expiry: the next 03:30 IST after issue (TZ=America/New_York)", () => {
  test("the process really is not on IST", () => {
    expect(new Date(ist("2026-03-11T10:00:00")).getTimezoneOffset()).not.toBe(-330);
  });

  for (const [issued, expires] of [
    ["2026-03-11T02:30:00", "2026-03-11T03:30:00"],
    ["2026-03-11T03:29:59", "2026-03-11T03:30:00"],
    ["2026-03-11T03:30:00", "2026-03-12T03:30:00"],
    ["2026-03-11T10:00:00", "2026-03-12T03:30:00"],
    ["2026-03-11T23:59:59", "2026-03-12T03:30:00"],
  ] as const) {
    test(`issued ${issued} IST → exp ${expires} IST`, async () => {
      expect(upstoxExpiryMs(ist(issued))).toBe(ist(expires));
      const token = await tokenIssuedAt(ist(issued));
      const claims = decodeJwtPart(token, 1);
      expect(claims.exp).toBe(ist(expires) / 1000);
      expect(claims.iat).toBe(Math.floor(ist(issued) / 1000));
    });
  }

  test("R7 accepts the token until exp and rejects it at exp (now ≥ exp)", async () => {
    const token = await tokenIssuedAt(ist("2026-03-11T02:30:00"));
    const profile = () =>
      fetch(`${emulator.url}/v2/user/profile`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );
    now = ist("2026-03-11T03:29:59.999");
    expect(await profile()).toBe(200);
    expect(emulator.isTokenValid(token)).toBe(true);
    now = ist("2026-03-11T03:30:00");
    expect(await profile()).toBe(401);
    expect(emulator.isTokenValid(token)).toBe(false);
  });

  test("setNow swaps the clock at run time", async () => {
    const token = await tokenIssuedAt(ist("2026-03-11T10:00:00"));
    emulator.setNow(() => ist("2026-03-12T03:30:00"));
    expect(emulator.isTokenValid(token)).toBe(false);
    emulator.setNow(() => now);
    expect(emulator.isTokenValid(token)).toBe(true);
  });
});
