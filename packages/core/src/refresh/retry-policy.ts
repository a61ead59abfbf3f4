import { type BackoffPolicy, backoffDelay } from "../backoff.js";
import type { UpstoxTokenError } from "../errors.js";

/**
 * Errors that only a change of config (or of the account, in the Upstox app) can fix. A shell that runs every
 * day stops the account until its config changes: a wrong PIN sent every night locks the account in five.
 */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  "WRONG_PIN",
  "PIN_REFUSED_BEFORE",
  "ACCOUNT_LOCKED",
  "BAD_CLIENT_CREDENTIALS",
  "REDIRECT_MISMATCH",
  "APP_INACTIVE",
  "APP_VERSION_OUTDATED",
  "CONFIG_INVALID",
]);

/**
 * When the primary flow fails for the cycle with one of these (or runs out of attempts), a configured fallback
 * flow (the token request, a browser login) is run in the same cycle: the headless login cannot work now, but
 * the official flows may. A wrong PIN or a locked account never falls back: those need the person.
 */
export const FALLBACK_CODES: ReadonlySet<string> = new Set([
  "BLOCKED",
  "ENDPOINT_NOT_FOUND",
  "APP_VERSION_OUTDATED",
]);

/** True when a cycle that ended with this error may go on with a fallback flow. */
export function allowsFallback(error: UpstoxTokenError, outOfAttempts: boolean): boolean {
  if (
    error.code === "WRONG_PIN" ||
    error.code === "PIN_REFUSED_BEFORE" ||
    error.code === "ACCOUNT_LOCKED" ||
    error.code === "LOGIN_ABORTED"
  )
    return false;
  return FALLBACK_CODES.has(error.code) || (outOfAttempts && error.retryable);
}

export interface RetryPolicy extends BackoffPolicy {
  /**
   * A wait Upstox asks for (`waitAtLeastMs`) up to this long is waited out inside the cycle; a longer one ends
   * the cycle as rate-limited with the instant it may try again. Default 60 s.
   */
  maxInCycleWaitMs?: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseMs: 2_000, maxMs: 60_000 };

export type RetryDecision =
  | { action: "retry"; delayMs: number }
  | { action: "rate-limited"; retryAt: number }
  | { action: "stop"; permanent: boolean; reason: string; outOfAttempts?: boolean };

export interface RetryContext {
  error: UpstoxTokenError;
  /** 1-based attempt that just failed. */
  attempt: number;
  policy: RetryPolicy;
  now: number;
  /** No attempt may start at or after this instant (its token would expire then anyway). */
  deadline: number;
  random?: () => number;
}

/**
 * Decides from the error's properties alone (code, retryable, waitAtLeastMs, pin): never from URLs or text.
 * The flows classify Upstox's answers; this only reads the classification.
 */
export function decideRetry(ctx: RetryContext): RetryDecision {
  const { error, policy } = ctx;
  if (error.code === "LOGIN_ABORTED") return { action: "stop", permanent: false, reason: "aborted" };
  if (PERMANENT_CODES.has(error.code)) {
    return { action: "stop", permanent: true, reason: `${error.code} cannot be fixed by retrying` };
  }
  if (error.code === "UNCLASSIFIED") {
    return {
      action: "stop",
      permanent: false,
      reason:
        "an unclassified fault during the login: the PIN's state is unknown, so no new login in this cycle",
    };
  }
  // The PIN rule: another login would send the PIN again, allowed only if it was never sent or was accepted.
  if (error.pin !== undefined && error.pin !== "not-sent" && error.pin !== "accepted") {
    return {
      action: "stop",
      permanent: false,
      reason: `the PIN was ${error.pin === "refused" ? "refused" : "sent without a confirmed answer"} in this cycle; it is never sent twice`,
    };
  }
  // The flow already retried the TOTP in the next window inside its OTP session; a new login would only
  // spend another OTP request on the same wrong secret or clock.
  if (error.code === "WRONG_TOTP") {
    return {
      action: "stop",
      permanent: false,
      reason: "the TOTP was refused: check the secret and the clock",
    };
  }
  const wait = error.waitAtLeastMs ?? 0;
  if (wait > (policy.maxInCycleWaitMs ?? 60_000)) return { action: "rate-limited", retryAt: ctx.now + wait };
  if (!error.retryable && error.code !== "RATE_LIMITED") {
    return { action: "stop", permanent: false, reason: `${error.code} is not retryable` };
  }
  if (ctx.attempt >= policy.attempts) {
    return error.code === "RATE_LIMITED" && wait > 0
      ? { action: "rate-limited", retryAt: ctx.now + wait }
      : {
          action: "stop",
          permanent: false,
          reason: `out of attempts (${policy.attempts})`,
          outOfAttempts: true,
        };
  }
  const delayMs = Math.max(wait, backoffDelay(ctx.attempt - 1, policy, ctx.random));
  if (ctx.now + delayMs >= ctx.deadline) {
    return {
      action: "stop",
      permanent: false,
      reason: "the next attempt would come after the token's expiry",
    };
  }
  return { action: "retry", delayMs };
}
