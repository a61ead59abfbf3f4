import type { AccountOutcome } from "./account-outcome.js";

/** How a daemon cycle ends, in the fleet's terms (a rate limit becomes a delayed job at retryAt). */
export function fleetCycleResult(
  outcome: AccountOutcome,
):
  | { result: "ok"; loggedIn: boolean }
  | { result: "rate-limited"; retryAt: number }
  | { result: "failed"; code: string; message: string } {
  switch (outcome.result) {
    case "skipped":
      return { result: "ok", loggedIn: false };
    case "refreshed":
      return { result: "ok", loggedIn: outcome.loggedIn };
    case "failed":
      if (outcome.retryAt !== undefined) return { result: "rate-limited", retryAt: outcome.retryAt };
      return { result: "failed", code: outcome.error.code, message: outcome.error.message };
    case "suspended":
      return {
        result: "failed",
        code: outcome.error?.code ?? "SUSPENDED",
        message: outcome.error?.message ?? "suspended until a reload",
      };
    case "aborted":
      return { result: "failed", code: "LOGIN_ABORTED", message: "the daemon is stopping" };
  }
}
