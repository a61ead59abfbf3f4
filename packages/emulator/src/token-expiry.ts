const IST_OFFSET_MS = 5.5 * 3_600_000; // Asia/Kolkata has no DST
const DAY_MS = 86_400_000;

/**
 * Upstox access tokens are valid until the next 03:30 IST after issue; a token issued at
 * 02:30 IST dies at 03:30 the same morning. The same rule gives v3 `authorization_expiry`.
 */
export function upstoxExpiryMs(issuedAtMs: number): number {
  const ist = new Date(issuedAtMs + IST_OFFSET_MS);
  let cutoff = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 3, 30) - IST_OFFSET_MS;
  if (issuedAtMs >= cutoff) cutoff += DAY_MS;
  return cutoff;
}
