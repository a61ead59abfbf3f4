import { toIstIso } from "@upstox-token/core";
import type { AccountStatus } from "../observe/account-status.js";
import { type PublicError, publicError } from "../observe/public-error.js";

export interface AccountHealth {
  account: string;
  valid: boolean;
  expires_at: string | null;
  seconds_until_expiry: number | null;
  last_refresh_at: string | null;
  last_error: (PublicError & { at: string }) | null;
  next_run_at: string | null;
}

export interface HealthReport {
  ok: boolean;
  now: string;
  accounts: AccountHealth[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : toIstIso(ms));

/** Healthy while every account holds a token valid now. No accounts at all counts as healthy. */
export function healthReport(accounts: AccountStatus[], now: number): HealthReport {
  const rows = accounts.map((a): AccountHealth => {
    const valid = a.expiresAt !== null && a.expiresAt > now;
    return {
      account: a.account,
      valid,
      expires_at: iso(a.expiresAt),
      seconds_until_expiry: a.expiresAt === null ? null : Math.max(0, Math.floor((a.expiresAt - now) / 1000)),
      last_refresh_at: iso(a.lastRefreshAt),
      last_error: a.lastError === null ? null : { ...publicError(a.lastError), at: toIstIso(a.lastError.at) },
      next_run_at: iso(a.nextRunAt),
    };
  });
  return { ok: rows.every((r) => r.valid), now: toIstIso(now), accounts: rows };
}
