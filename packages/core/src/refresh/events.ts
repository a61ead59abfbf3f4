import type { UpstoxTokenError } from "../errors.js";
import type { TokenRecord } from "../record.js";

/**
 * What one account's refresh reports as it works. Shells render these (the daemon logs them, the CLI prints
 * them); none carries a secret except `record`, whose token is a `Secret`.
 */
export type RefreshEvent =
  | { type: "refreshing"; account: string; attempt: number; at: number }
  | {
      type: "retrying";
      account: string;
      attempt: number;
      error: UpstoxTokenError;
      delayMs: number;
      at: number;
    }
  | {
      type: "waiting-for-lock";
      account: string;
      /** Who holds it (pid@host), when the lock knows. */
      holder?: string | undefined;
      /** Since when (epoch ms), when the lock knows. */
      since?: number | undefined;
      at: number;
    }
  | { type: "served"; account: string; record: TokenRecord; at: number }
  /**
   * A new token is in the sinks: this process logged in (`loggedIn`), or another process stored it while this
   * one waited for the lock (`loggedIn: false`, `attempts: 0`).
   */
  | { type: "stored"; account: string; record: TokenRecord; loggedIn: boolean; attempts: number; at: number }
  | { type: "synced"; account: string; record: TokenRecord; sinks: string[]; at: number }
  | { type: "sink-failed"; account: string; sink: string; error: UpstoxTokenError; at: number }
  | { type: "token-refused"; account: string; error: UpstoxTokenError; at: number }
  | {
      type: "failed";
      account: string;
      error: UpstoxTokenError;
      attempt: number;
      /** Why the cycle stopped here. */
      reason: string;
      /**
       * The engine's verdict (retry-policy's PERMANENT_CODES): only a change of config can fix it, so a shell
       * that runs every day stops the account and asks for attention.
       */
      permanent: boolean;
      at: number;
    }
  | {
      type: "fallback";
      account: string;
      /** The flow that failed for the cycle ("primary" when the caller gave it no name). */
      from: string;
      /** The flow now run, e.g. "token-request". */
      to: string;
      error: UpstoxTokenError;
      at: number;
    }
  | {
      type: "rate-limited";
      account: string;
      error: UpstoxTokenError;
      attempt: number;
      /** No new login (and no new OTP request) before this instant. */
      retryAt: number;
      at: number;
    };

export type RefreshListener = (event: RefreshEvent) => void;

/** The one-line text for a lock wait, shared by the shells. */
export function describeLockWait(event: Extract<RefreshEvent, { type: "waiting-for-lock" }>): string {
  const by = event.holder ? ` by ${event.holder}` : "";
  const since = event.since ? `, held since ${new Date(event.since).toISOString()}` : "";
  return `waiting for account ${event.account}'s lock${by}${since} (another process is refreshing it)`;
}
