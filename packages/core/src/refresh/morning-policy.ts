import { IST_OFFSET_MS } from "../expiry.js";

/**
 * The morning: from the 03:30 IST expiry until market open, the account has no usable token and the person
 * is (usually) asleep. A failure early in the morning is not given up on: the daemon keeps trying with a
 * capped backoff, and only at `escalateAt` (default 07:00 IST) does it run the fallback chain (a token request
 * to approve on the phone) and alert, so the person still has time before `marketOpen` (default 09:15 IST).
 * Pure: the clock is the caller's. IST has no daylight saving, so a fixed +05:30 offset is exact.
 */
export interface MorningPolicy {
  /** "HH:MM" IST: fallbacks and alerts from here on (before, failures are retried quietly). Default "07:00". */
  escalateAt: string;
  /** "HH:MM" IST: the morning ends; after this a failure is retried at the normal after-failure pace. */
  marketOpen: string;
  /** First pause between two failed morning cycles. Default 2 minutes. */
  retryBaseMs: number;
  /** No pause between two failed morning cycles is longer than this. Default 15 minutes. */
  retryMaxMs: number;
}

export const defaultMorningPolicy: MorningPolicy = {
  escalateAt: "07:00",
  marketOpen: "09:15",
  retryBaseMs: 2 * 60_000,
  retryMaxMs: 15 * 60_000,
};

const DAY_MS = 86_400_000;
/** The token of the day before dies at 03:30 IST: the morning starts there. */
const EXPIRY_MINUTE = 3 * 60 + 30;

/** "HH:MM" → minutes after midnight; throws on anything else (the config validates first). */
export function parseClockTime(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a time of day (HH:MM, 24-hour)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Where `now` falls: before the expiry (night), the quiet part of the morning, the escalated part, or day. */
export type MorningPhase = "night" | "quiet" | "escalated" | "day";

export interface MorningMoments {
  phase: MorningPhase;
  /** Today's escalation instant (epoch ms). */
  escalateAt: number;
  /** Today's market open instant (epoch ms). */
  marketOpen: number;
}

export function morningMoments(now: number, policy: MorningPolicy = defaultMorningPolicy): MorningMoments {
  const istMidnight = Math.floor((now + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
  const minute = Math.floor((now - istMidnight) / 60_000);
  const escalateMinute = parseClockTime(policy.escalateAt);
  const openMinute = parseClockTime(policy.marketOpen);
  const escalateAt = istMidnight + escalateMinute * 60_000;
  const marketOpen = istMidnight + openMinute * 60_000;
  let phase: MorningPhase;
  if (minute < EXPIRY_MINUTE) phase = "night";
  else if (now >= marketOpen) phase = "day";
  else if (now < escalateAt) phase = "quiet";
  else phase = "escalated";
  return { phase, escalateAt, marketOpen };
}

/** Whether a cycle at `now` may run the fallback chain: not in the quiet part of the morning. */
export function fallbacksAllowed(now: number, policy: MorningPolicy = defaultMorningPolicy): boolean {
  return morningMoments(now, policy).phase !== "quiet";
}

/** Whether a failure at `now` is worth telling the person about (alerts wait for the escalation). */
export function shouldEscalate(now: number, policy: MorningPolicy = defaultMorningPolicy): boolean {
  return morningMoments(now, policy).phase !== "quiet";
}

/**
 * When to start the next cycle after the `failures`-th failed cycle in a row (1 = the first), or null when
 * `now` is outside the morning (the caller's normal after-failure pace applies). Capped exponential backoff,
 * no jitter (one account, one daemon); a retry never skips the escalation instant (the fallback chain runs at
 * it) and the last one lands at market open at the latest.
 */
export function nextMorningRetry(
  now: number,
  failures: number,
  policy: MorningPolicy = defaultMorningPolicy,
): number | null {
  const { phase, escalateAt, marketOpen } = morningMoments(now, policy);
  if (phase === "night" || phase === "day") return null;
  const delay = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, failures - 1));
  let at = now + Math.max(1_000, delay);
  if (phase === "quiet") at = Math.min(at, escalateAt);
  return Math.min(at, marketOpen);
}
