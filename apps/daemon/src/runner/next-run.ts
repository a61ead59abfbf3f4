import type { ResolvedAccount } from "../config/resolve-config.js";
import type { AccountResult } from "./account-result.js";
import { nextRunAt } from "./schedule.js";

export interface NextRunContext {
  now: number;
  /** The daemon is stopping: nothing is scheduled again. */
  aborted: boolean;
  /** How long after a retryable failure the next try comes (config retry.afterFailureMs). */
  afterFailureMs: number;
}

/**
 * When an account's next cycle runs after this one ended: its cron, sooner after a retryable failure, exactly
 * at Upstox's time after a rate limit, never after a permanent failure, an abort or a suspension.
 */
export function nextRunAfter(
  account: ResolvedAccount,
  outcome: AccountResult,
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
    const again = now + ctx.afterFailureMs;
    return cron === null ? again : Math.min(cron, again);
  }
  return cron;
}
