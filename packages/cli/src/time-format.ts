import { formatIst as formatIstIn } from "@upstox-token/core";

/** "2026-11-23 03:30 IST" (core's formatter, to the minute). */
export function formatIst(ms: number): string {
  return formatIstIn(ms, { seconds: false });
}

/** The machine's local time with its zone abbreviation, e.g. "2026-11-22 23:00 CET". */
export function formatLocal(ms: number): string {
  return new Date(ms).toLocaleString("sv-SE", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
}

/** "5h 12m", "3m", "40s". */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** "in 5h 12m" or "3m ago". */
export function formatRelative(target: number, now: number): string {
  return target >= now ? `in ${formatSpan(target - now)}` : `${formatSpan(now - target)} ago`;
}
