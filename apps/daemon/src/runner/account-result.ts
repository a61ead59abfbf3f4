import type { RefreshOutcome, UpstoxTokenError } from "@upstox-token/core";

/** One account's cycle as the engine ended it, named; `suspended` when the runner did not start it. */
export type AccountResult = { account: string } & (
  | RefreshOutcome
  | { result: "suspended"; error: UpstoxTokenError }
);

export type CycleReason = "catch-up" | "scheduled" | "manual";

export interface RunSummary {
  ok: boolean;
  accounts: AccountResult[];
}
