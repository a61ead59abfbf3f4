import type { AccountResult } from "./daemon-runner.js";

/** How a daemon cycle ends, in the fleet's terms (a rate limit becomes a delayed job at retryAt). */
export function fleetCycleResult(
  outcome: AccountResult,
):
  | { result: "ok"; loggedIn: boolean }
  | { result: "rate-limited"; retryAt: number }
  | { result: "failed"; code: string; message: string } {
  switch (outcome.result) {
    case "served":
      return { result: "ok", loggedIn: false };
    case "refreshed":
      return { result: "ok", loggedIn: outcome.loggedIn };
    case "rate-limited":
      return { result: "rate-limited", retryAt: outcome.retryAt };
    case "failed":
    case "suspended":
      return { result: "failed", code: outcome.error.code, message: outcome.error.message };
    case "aborted":
      return { result: "failed", code: "LOGIN_ABORTED", message: "the daemon is stopping" };
  }
}
