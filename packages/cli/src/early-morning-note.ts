import { IST_OFFSET_MS } from "@upstox-token/core";
import { formatIst, formatSpan } from "./time-format.js";

const DAY_MS = 86_400_000;
const CUTOFF_MS = 3.5 * 3_600_000;

/**
 * A token obtained between 00:00 and 03:30 IST dies at 03:30 the same morning (Upstox's daily expiry), which
 * surprises people logging in late at night: say so, and say what replaces it. Null at other hours.
 */
export function earlyMorningNote(expiresAt: number, now: number): string | null {
  const sinceMidnightIst = (((now + IST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  if (sinceMidnightIst >= CUTOFF_MS) return null;
  return `Note: tokens made before 03:30 IST die at 03:30 IST; this one expires at ${formatIst(expiresAt)} (in ${formatSpan(expiresAt - now)}). The daemon's daily run after 03:30 (or generate-token after 03:30) replaces it.`;
}
