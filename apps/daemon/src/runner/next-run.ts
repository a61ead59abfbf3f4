import {
  defaultMorningPolicy,
  fallbacksAllowed,
  type MorningPolicy,
  nextMorningRetry,
} from "@upstox-token/core";
import type { DaemonConfig, ResolvedAccount } from "../config/resolve-config.js";
import type { AccountResult, CycleReason } from "./account-result.js";
import { nextRunAt } from "./schedule.js";

export interface NextRunContext {
  now: number;
  /** The daemon is stopping: nothing is scheduled again. */
  aborted: boolean;
  /** Failed cycles in a row, this one included (the morning backoff's and the pre-login retry's exponent). */
  failures: number;
}

/** The first retry after a cycle that failed before its login (e.g. the Redis lock not up yet). */
const PRE_LOGIN_RETRY_MS = 15_000;

/**
 * What the rule reads from the config: retry.afterFailureMs (the next try after a retryable failure) and the
 * morning policy (default core's: a failing morning is retried with a capped backoff until market open).
 */
export type NextRunConfig = Pick<DaemonConfig, "retry" | "morning">;

/**
 * Counts an account's failed cycles in a row (a rate limit included); a served or stored token resets it, an
 * aborted or suspended cycle leaves it. Returns the count after this outcome.
 */
export function countFailures(streaks: Map<string, number>, account: string, outcome: AccountResult): number {
  if (outcome.result === "failed" || outcome.result === "rate-limited") {
    const failures = (streaks.get(account) ?? 0) + 1;
    streaks.set(account, failures);
    return failures;
  }
  if (outcome.result === "served" || outcome.result === "refreshed") streaks.delete(account);
  return streaks.get(account) ?? 0;
}

/**
 * When an account's next cycle runs after this one ended: its cron, sooner after a retryable failure (on a
 * failing morning by the morning policy's backoff), exactly at Upstox's time after a rate limit, never after a
 * permanent failure, an abort or a suspension.
 */
export function nextRunAfter(
  account: ResolvedAccount,
  outcome: AccountResult,
  config: NextRunConfig,
  ctx: NextRunContext,
): number | null {
  const { now } = ctx;
  const cron = nextRunAt(account.schedule, account.name, now);
  if (outcome.result === "aborted" || outcome.result === "suspended") return null;
  if (outcome.result === "rate-limited" || outcome.result === "failed") {
    if (ctx.aborted) return null;
    // A rate limit: exactly when Upstox allows it, never sooner (an earlier try would ask for another OTP).
    if (outcome.result === "rate-limited") return outcome.retryAt;
    if (outcome.permanent) return null;
    if (outcome.attempts === 0) {
      // Failed before any login (a lock backend or the sinks not up yet): no PIN was at stake, so the next try
      // comes soon, backing off (15 s doubling) up to the usual wait after a failure.
      const soon = now + Math.min(config.retry.afterFailureMs, PRE_LOGIN_RETRY_MS * 2 ** (ctx.failures - 1));
      return cron === null ? soon : Math.min(cron, soon);
    }
    // The morning is not given up early: capped backoff until market open (core's morning policy).
    const again =
      nextMorningRetry(now, ctx.failures, config.morning ?? defaultMorningPolicy) ??
      now + config.retry.afterFailureMs;
    return cron === null ? again : Math.min(cron, again);
  }
  return cron;
}

/**
 * Whether a cycle may run the fallback flows now. The quiet part of the morning retries the account's own flow;
 * the fallbacks wait for escalateAt. Only a scheduled daemon waits: --once has no later cycle, and a manual or
 * watchdog refresh has someone (or a program) asking now.
 */
export function fallbacksNow(
  reason: CycleReason,
  scheduled: boolean,
  clock: { now(): number },
  morning: MorningPolicy | undefined,
): boolean {
  if (!scheduled || reason === "manual" || reason === "watchdog") return true;
  return fallbacksAllowed(clock.now(), morning ?? defaultMorningPolicy);
}
