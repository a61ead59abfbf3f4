import type { ResolvedAccount } from "../config/resolve-config.js";
import type { AccountResult } from "./account-result.js";
import { nextRunAt } from "./schedule.js";

/** The first retry after a cycle that failed before its login (e.g. the Redis lock not up yet). */
const PRE_LOGIN_RETRY_MS = 15_000;

/**
 * When an account's next cycle runs, from how the last one ended: the schedule, a rate limit's own instant,
 * the usual wait after a failure, or soon (15 s doubling) after a failure before any login.
 */
export class NextRuns {
  /** Consecutive cycles per account that failed before the login (lock backend or sinks unreachable). */
  readonly #preLoginFailures = new Map<string, number>();

  /** The next run, epoch ms; null: none (aborted, suspended, stopping, or a permanent failure). */
  after(
    account: ResolvedAccount,
    outcome: AccountResult,
    context: { now: number; aborted: boolean; afterFailureMs: number },
  ): number | null {
    const { now, afterFailureMs } = context;
    const cron = nextRunAt(account.schedule, account.name, now);
    if (outcome.result === "aborted" || outcome.result === "suspended") return null;
    if (outcome.result !== "failed" && outcome.result !== "rate-limited") {
      this.#preLoginFailures.delete(account.name);
    }
    if (outcome.result === "rate-limited" || outcome.result === "failed") {
      if (context.aborted) return null;
      // A rate limit: exactly when Upstox allows it, never sooner (an earlier try would ask for another OTP).
      if (outcome.result === "rate-limited") return outcome.retryAt;
      if (outcome.permanent) return null;
      if (outcome.attempts === 0) {
        // Failed before any login (a lock backend or the sinks not up yet): no PIN was at stake, so the
        // next try comes soon, backing off (15 s doubling) up to the usual wait after a failure.
        const failures = (this.#preLoginFailures.get(account.name) ?? 0) + 1;
        this.#preLoginFailures.set(account.name, failures);
        const soon = now + Math.min(afterFailureMs, PRE_LOGIN_RETRY_MS * 2 ** (failures - 1));
        return cron === null ? soon : Math.min(cron, soon);
      }
      const again = now + afterFailureMs;
      return cron === null ? again : Math.min(cron, again);
    }
    return cron;
  }
}
