import type { TokenSink } from "@upstox-token/core";

/** One test's backing store: a fresh file, database or key prefix, made by the factory the sink author passes. */
export interface SinkSuiteStore {
  /** A sink on this test's store. Called several times, it gives sinks that share the store (concurrency tests). */
  open(): Promise<TokenSink>;
  /** A sink whose target is bad (unwritable path, unreachable server): `check()` and `write()` must reject. */
  openBroken(): Promise<TokenSink>;
  /** Removes the store (temp folder, keys). Sinks are closed before this runs. */
  cleanup?(): Promise<void>;
}

export type SinkSuiteGroup =
  | "roundTrip"
  | "overwrite"
  | "staleGeneration"
  | "concurrency"
  | "check"
  | "close"
  | "secrets"
  | "multiAccount"
  | "extendedToken";

export const sinkSuiteGroups: readonly SinkSuiteGroup[] = [
  "roundTrip",
  "overwrite",
  "staleGeneration",
  "concurrency",
  "check",
  "close",
  "secrets",
  "multiAccount",
  "extendedToken",
];
