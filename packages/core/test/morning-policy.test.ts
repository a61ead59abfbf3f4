import { describe, expect, test } from "bun:test";
import {
  defaultMorningPolicy,
  fallbacksAllowed,
  morningMoments,
  nextMorningRetry,
  parseClockTime,
  shouldEscalate,
} from "../src/index.js";

/** "2026-11-23T07:00" read as IST. */
const ist = (local: string) => Date.parse(`${local}:00+05:30`);

describe("the morning policy", () => {
  test("phases: night before 03:30, quiet until escalateAt, escalated until market open, then day", () => {
    expect(morningMoments(ist("2026-11-23T03:29")).phase).toBe("night");
    expect(morningMoments(ist("2026-11-23T03:30")).phase).toBe("quiet");
    expect(morningMoments(ist("2026-11-23T06:59")).phase).toBe("quiet");
    expect(morningMoments(ist("2026-11-23T07:00")).phase).toBe("escalated");
    expect(morningMoments(ist("2026-11-23T09:14")).phase).toBe("escalated");
    expect(morningMoments(ist("2026-11-23T09:15")).phase).toBe("day");
    expect(morningMoments(ist("2026-11-23T23:59")).phase).toBe("day");
    expect(fallbacksAllowed(ist("2026-11-23T05:00"))).toBe(false);
    expect(fallbacksAllowed(ist("2026-11-23T07:00"))).toBe(true);
    expect(fallbacksAllowed(ist("2026-11-23T14:00"))).toBe(true);
    expect(shouldEscalate(ist("2026-11-23T04:00"))).toBe(false);
    expect(shouldEscalate(ist("2026-11-23T08:00"))).toBe(true);
  });

  test("capped backoff that lands on the escalation and on market open, and null outside the morning", () => {
    const policy = { ...defaultMorningPolicy, retryBaseMs: 60_000, retryMaxMs: 10 * 60_000 };
    const at = ist("2026-11-23T03:40");
    expect(nextMorningRetry(at, 1, policy)).toBe(at + 60_000);
    expect(nextMorningRetry(at, 3, policy)).toBe(at + 4 * 60_000);
    expect(nextMorningRetry(at, 30, policy)).toBe(at + 10 * 60_000);
    expect(nextMorningRetry(ist("2026-11-23T06:55"), 9, policy)).toBe(ist("2026-11-23T07:00"));
    expect(nextMorningRetry(ist("2026-11-23T09:10"), 9, policy)).toBe(ist("2026-11-23T09:15"));
    expect(nextMorningRetry(ist("2026-11-23T09:15"), 9, policy)).toBeNull();
    expect(nextMorningRetry(ist("2026-11-23T02:00"), 1, policy)).toBeNull();
  });

  test("a custom escalation time and bad input", () => {
    const policy = { ...defaultMorningPolicy, escalateAt: "05:30", marketOpen: "09:00" };
    expect(morningMoments(ist("2026-11-23T05:29"), policy).phase).toBe("quiet");
    expect(morningMoments(ist("2026-11-23T05:30"), policy).phase).toBe("escalated");
    expect(morningMoments(ist("2026-11-23T09:00"), policy).phase).toBe("day");
    expect(parseClockTime("09:15")).toBe(555);
    expect(() => parseClockTime("9:15")).toThrow(/HH:MM/);
  });
});
