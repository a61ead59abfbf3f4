// The expiry rule must not depend on the machine's time zone: run it in one that is far from IST.
process.env.TZ = "America/New_York";

import { describe, expect, test } from "bun:test";
import { createToken, toIstIso, upstoxExpiryMs } from "../src/index.js";

const IST = 5.5 * 3_600_000;
/** An instant given as IST wall-clock time. */
const ist = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  Date.UTC(y, mo - 1, d, h, mi, s) - IST;

describe("upstoxExpiryMs (next 03:30 IST)", () => {
  test("the process really runs outside IST", () => {
    expect(new Date(Date.UTC(2026, 10, 18, 12)).getTimezoneOffset()).not.toBe(-330);
  });

  const cases: [string, number, number][] = [
    ["02:30 IST dies at 03:30 the same morning", ist(2026, 11, 18, 2, 30), ist(2026, 11, 18, 3, 30)],
    ["03:29:59 IST dies a second later", ist(2026, 11, 18, 3, 29, 59), ist(2026, 11, 18, 3, 30)],
    ["03:30:00 IST lives until 03:30 the next day", ist(2026, 11, 18, 3, 30), ist(2026, 11, 19, 3, 30)],
    ["10:00 IST lives until 03:30 the next day", ist(2026, 11, 18, 10, 0), ist(2026, 11, 19, 3, 30)],
    [
      "23:59 IST on the last of the month rolls the month",
      ist(2026, 11, 30, 23, 59),
      ist(2026, 12, 1, 3, 30),
    ],
  ];
  for (const [name, issued, expected] of cases) {
    test(name, () => {
      expect(upstoxExpiryMs(issued)).toBe(expected);
      expect(toIstIso(upstoxExpiryMs(issued)).slice(11)).toBe("03:30:00.000+05:30");
    });
  }

  test("03:30 IST is 22:00 UTC the day before", () => {
    expect(new Date(upstoxExpiryMs(ist(2026, 11, 18, 10, 0))).toISOString()).toBe("2026-11-18T22:00:00.000Z");
  });

  test("a token that is not a JWT falls back to the rule", () => {
    const issued = ist(2026, 11, 18, 2, 30);
    const token = createToken({
      accessToken: "opaque",
      profile: { userId: "AB1234" },
      receivedAt: issued,
      source: "manual",
    });
    expect(token.expiresAt).toBe(ist(2026, 11, 18, 3, 30));
  });
});
