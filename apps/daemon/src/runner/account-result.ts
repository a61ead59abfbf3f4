import type { RefreshOutcome, UpstoxTokenError } from "@upstox-token/core";

/** One account's cycle as the engine ended it, named; `suspended` when the runner did not start it. */
export type AccountResult = { account: string } & (
  | RefreshOutcome
  | { result: "suspended"; error: UpstoxTokenError }
);

/** Why a cycle runs: start-up catch-up, the schedule, a person (button, API), or the proxy's watchdog. */
export type CycleReason = "catch-up" | "scheduled" | "manual" | "watchdog";

export interface RunSummary {
  ok: boolean;
  accounts: AccountResult[];
}

/** `force` logs in even when a valid token is stored; `cause` is what the status page says (default manual). */
export interface RefreshNowOptions {
  force?: boolean;
  cause?: "manual" | "watchdog";
}
