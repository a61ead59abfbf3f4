import { expect, test } from "bun:test";
import { jobIdFor, parseJobId, tradingDay } from "../src/index.js";

test("the trading day turns at 03:30 IST (the token's death), whatever the machine's time zone", () => {
  expect(tradingDay(Date.parse("2026-12-08T03:29:59+05:30"))).toBe("2026-12-07");
  expect(tradingDay(Date.parse("2026-12-08T03:30:00+05:30"))).toBe("2026-12-08");
  expect(tradingDay(Date.parse("2026-12-08T23:59:00+05:30"))).toBe("2026-12-08");
  // 20:00 UTC is 01:30 IST on the 9th: the 8th's token still lives, so it is still the 8th's day.
  expect(tradingDay(Date.parse("2026-12-08T20:00:00Z"))).toBe("2026-12-08");
  expect(tradingDay(Date.parse("2026-12-08T22:00:00Z"))).toBe("2026-12-09");
});

test("job ids: account and day, no ':' (BullMQ refuses it in custom ids), and back", () => {
  const id = jobIdFor("client-0001", "2026-12-08");
  expect(id).toBe("client-0001@2026-12-08");
  expect(id).not.toContain(":");
  expect(parseJobId(id)).toEqual({ account: "client-0001", day: "2026-12-08" });
  expect(parseJobId("nodate")).toBeNull();
});
