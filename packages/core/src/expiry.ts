/** India Standard Time is UTC+05:30 all year (no daylight saving), so a fixed offset is exact. */
export const IST_OFFSET_MS = 5.5 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Upstox access tokens are valid until the next 03:30 IST after they were issued: a token issued at 20:00 IST
 * on Tuesday dies at 03:30 IST on Wednesday; one issued at 02:30 IST on Wednesday dies at 03:30 the same morning.
 * Independent of the machine's time zone.
 */
export function upstoxExpiryMs(issuedAtMs: number): number {
  const ist = new Date(issuedAtMs + IST_OFFSET_MS);
  let cutoff = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 3, 30) - IST_OFFSET_MS;
  if (issuedAtMs >= cutoff) cutoff += DAY_MS;
  return cutoff;
}

/** Formats an instant as ISO 8601 in IST with its offset, e.g. 2026-11-23T03:30:00.000+05:30. */
export function toIstIso(ms: number): string {
  return `${new Date(ms + IST_OFFSET_MS).toISOString().slice(0, -1)}+05:30`;
}
