import type { Logger, RefreshOutcome, UpstoxTokenError } from "@upstox-token/core";
import type { AccountStatus, DaemonEvents } from "../observe/events.js";
import type { AccountStatusBook } from "./account-status.js";

export type AccountOutcome =
  | { account: string; result: "skipped"; expiresAt: number }
  | { account: string; result: "refreshed"; loggedIn: boolean; expiresAt: number; attempts: number }
  | {
      account: string;
      result: "failed";
      error: UpstoxTokenError;
      attempts: number;
      suspended: boolean;
      /** Set when Upstox asked for a pause (a rate limit): the next attempt is not before this instant. */
      retryAt?: number;
    }
  | { account: string; result: "aborted" }
  | { account: string; result: "suspended"; error: UpstoxTokenError | null };

/** Why a cycle runs: start-up catch-up, the schedule, a person (button, API), or the proxy's watchdog. */
export type CycleReason = "catch-up" | "scheduled" | "manual" | "watchdog";

export interface RunSummary {
  ok: boolean;
  accounts: AccountOutcome[];
}

export interface OutcomeContext {
  logger: Logger;
  events: DaemonEvents;
  book: AccountStatusBook;
  /** Accounts stopped until a reload, by the error that stopped them. */
  suspended: Map<string, UpstoxTokenError>;
}

/** What one engine cycle means for the daemon: its status page, its events and its summary line. */
export function toAccountOutcome(
  name: string,
  outcome: RefreshOutcome,
  status: AccountStatus,
  now: number,
  ctx: OutcomeContext,
): AccountOutcome {
  switch (outcome.result) {
    case "aborted":
      ctx.logger.warn({ account: name }, "refresh abandoned: shutting down");
      return { account: name, result: "aborted" };
    case "served":
      status.expiresAt = outcome.record.expiresAt;
      return { account: name, result: "skipped", expiresAt: outcome.record.expiresAt };
    case "refreshed": {
      status.expiresAt = outcome.record.expiresAt;
      status.lastRefreshAt = now;
      if (outcome.loggedIn) status.logins++;
      ctx.logger.info(
        {
          account: name,
          loggedIn: outcome.loggedIn,
          attempts: outcome.attempts,
          expiresAt: new Date(outcome.record.expiresAt).toISOString(),
        },
        outcome.loggedIn ? "new token stored" : "another instance refreshed it; token stored",
      );
      ctx.events.emit({
        type: "refresh-succeeded",
        account: name,
        record: outcome.record,
        loggedIn: outcome.loggedIn,
        attempts: Math.max(1, outcome.attempts),
        at: now,
      });
      return {
        account: name,
        result: "refreshed",
        loggedIn: outcome.loggedIn,
        expiresAt: outcome.record.expiresAt,
        attempts: Math.max(1, outcome.attempts),
      };
    }
    case "rate-limited":
      ctx.book.recordError(name, outcome.error, now);
      return {
        account: name,
        result: "failed",
        error: outcome.error,
        attempts: outcome.attempts,
        suspended: false,
        retryAt: outcome.retryAt,
      };
    case "failed":
      ctx.book.recordError(name, outcome.error, now);
      if (outcome.permanent) ctx.suspended.set(name, outcome.error);
      return {
        account: name,
        result: "failed",
        error: outcome.error,
        attempts: outcome.attempts,
        suspended: outcome.permanent,
      };
  }
}
