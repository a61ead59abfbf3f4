import { backoffDelay, msUntilNextTotpWindow, type UpstoxTokenError } from "@upstox-token/core";
import type { RetryConfig } from "../config/schema.js";
import type { PinGuard } from "./pin-guard.js";

/**
 * Errors that only a change of config (or of the account, in the Upstox app) can fix. The account is not
 * tried again until the config is reloaded (SIGHUP) or the daemon restarts: a wrong PIN sent every night
 * would lock the account after about five nights.
 */
export const SUSPENDING_CODES: ReadonlySet<string> = new Set([
  "WRONG_PIN",
  "ACCOUNT_LOCKED",
  "BAD_CLIENT_CREDENTIALS",
  "REDIRECT_MISMATCH",
  "APP_INACTIVE",
  "APP_VERSION_OUTDATED",
  "CONFIG_INVALID",
]);

/** A wrong TOTP twice in one cycle is a wrong secret or a badly skewed clock, not bad luck at a window edge. */
export const MAX_WRONG_TOTP_PER_CYCLE = 2;

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; suspend: boolean; reason: string };

export interface RetryContext {
  error: UpstoxTokenError;
  /** 1-based attempt that just failed. */
  attempt: number;
  policy: RetryConfig;
  pin: PinGuard;
  wrongTotps: number;
  now: number;
  /** No retry may start at or after this instant (the token it would produce expires then anyway). */
  deadline: number;
  random: () => number;
}

export function decideRetry(ctx: RetryContext): RetryDecision {
  const { error } = ctx;
  if (error.code === "LOGIN_ABORTED") return { retry: false, suspend: false, reason: "aborted" };
  if (SUSPENDING_CODES.has(error.code)) {
    return { retry: false, suspend: true, reason: `${error.code} cannot be fixed by retrying` };
  }
  if (ctx.pin.blocksRetry) {
    return {
      retry: false,
      suspend: false,
      reason:
        "the PIN was sent in this cycle without a confirmed answer; it is never sent twice in one cycle",
    };
  }
  if (error.code === "WRONG_TOTP" && ctx.wrongTotps >= MAX_WRONG_TOTP_PER_CYCLE) {
    return {
      retry: false,
      suspend: false,
      reason: "the TOTP was refused twice: check totpSecret and the clock (NTP)",
    };
  }
  if (!error.retryable) return { retry: false, suspend: false, reason: `${error.code} is not retryable` };
  if (ctx.attempt >= ctx.policy.attempts) {
    return { retry: false, suspend: false, reason: `out of attempts (${ctx.policy.attempts})` };
  }
  let delayMs = backoffDelay(ctx.attempt - 1, ctx.policy, ctx.random);
  // A new TOTP exists only in the next 30 s window; the flow itself skips a window about to close.
  if (error.code === "WRONG_TOTP") delayMs = Math.max(delayMs, msUntilNextTotpWindow(ctx.now) + 500);
  if (ctx.now + delayMs >= ctx.deadline) {
    return { retry: false, suspend: false, reason: "the next attempt would come after the token's expiry" };
  }
  return { retry: true, delayMs };
}
