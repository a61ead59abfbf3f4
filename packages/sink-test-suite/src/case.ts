import type { TokenSink } from "@upstox-token/core";
import type { SinkSuiteExpect } from "./runner.js";

/**
 * Which fields a sink keeps. "full": every field of the record survives a round trip. "token": the fields a
 * token consumer needs (account, generation, access and extended token, issue and expiry time, user id), for
 * sinks like a .env file that store less.
 */
export type SinkSuiteRecordFields = "full" | "token";

/** What one compliance test gets: the runner's `expect` and the test's fresh store. */
export interface SinkSuiteContext {
  expect: SinkSuiteExpect;
  recordFields: SinkSuiteRecordFields;
  /**
   * Whether the sink stores the extended token beside the access token (true), or ignores it (false: a sink that
   * cannot hold it; round trips then do not compare it, and it must never read back a stale one).
   */
  keepsExtendedToken: boolean;
  /** Opens a sink on this test's store; it is closed after the test. */
  open(): Promise<TokenSink>;
  /** Opens a sink on a bad target; it is closed after the test. */
  openBroken(): Promise<TokenSink>;
}

/** An optional method of the sink contract a case exercises; without it the case is reported as skipped. */
export type SinkSuiteNeed = "read" | "check" | "close";

export interface SinkSuiteCase {
  name: string;
  /** The optional methods this case cannot test without. */
  needs?: readonly SinkSuiteNeed[];
  run(context: SinkSuiteContext): Promise<void>;
}
