import { expect, test } from "bun:test";
import { formatIst, formatRelative, formatSpan } from "../src/time-format.js";

test("formatIst shows the instant in IST whatever the machine's zone", () => {
  // 2026-11-22T22:00:00Z is 2026-11-23 03:30 IST.
  expect(formatIst(Date.UTC(2026, 10, 22, 22, 0))).toBe("2026-11-23 03:30 IST");
});

test("spans and relative times", () => {
  expect(formatSpan(40_000)).toBe("40s");
  expect(formatSpan(3 * 60_000)).toBe("3m");
  expect(formatSpan((5 * 60 + 12) * 60_000)).toBe("5h 12m");
  expect(formatRelative(2_000_000, 1_000_000)).toBe("in 16m");
  expect(formatRelative(1_000_000, 2_000_000)).toBe("16m ago");
});
