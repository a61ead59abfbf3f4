import type { TokenRecord, UpstoxTokenError } from "@upstox-token/core";

/**
 * What the daemon's runner reports as it works. The status server, metrics and notification hooks listen to
 * these; none of them can break a refresh (listeners are called inside try/catch by the emitter).
 */
export type DaemonEvent =
  | { type: "refresh-started"; account: string; attempt: number; at: number }
  | { type: "refresh-skipped"; account: string; reason: "valid-token-stored"; expiresAt: number; at: number }
  | {
      type: "refresh-succeeded";
      account: string;
      record: TokenRecord;
      loggedIn: boolean;
      attempts: number;
      at: number;
    }
  | {
      type: "refresh-failed";
      account: string;
      error: UpstoxTokenError;
      attempt: number;
      /** false when the runner gave up for this cycle (not retryable, or out of attempts). */
      willRetry: boolean;
      at: number;
    }
  | { type: "sink-failed"; account: string; sink: string; error: UpstoxTokenError; at: number }
  /** Lagging sinks were brought up to date with the stored token (alerts resolve a sink incident on it). */
  | { type: "sinks-synced"; account: string; sinks: string[]; at: number }
  | {
      type: "waiting-for-lock";
      account: string;
      holder?: string | undefined;
      since?: number | undefined;
      at: number;
    }
  | { type: "rate-limited"; account: string; error: UpstoxTokenError; retryAt: number; at: number }
  | { type: "fallback"; account: string; from: string; to: string; error: UpstoxTokenError; at: number }
  | { type: "scheduled"; account: string; nextRunAt: number; at: number };

/** Per-account state the runner keeps and the status endpoint shows. Never holds a token. */
export interface AccountStatus {
  account: string;
  expiresAt: number | null;
  lastRefreshAt: number | null;
  lastError: {
    code: string;
    message: string;
    hint?: string | undefined;
    upstoxCode?: string | undefined;
    at: number;
  } | null;
  nextRunAt: number | null;
  logins: number;
  failures: number;
}

export type DaemonListener = (event: DaemonEvent) => void | Promise<void>;

/** A tiny typed emitter whose listeners can never throw into the runner. */
export class DaemonEvents {
  readonly #listeners = new Set<DaemonListener>();
  #onListenerError: (error: unknown, event: DaemonEvent) => void = () => {};

  on(listener: DaemonListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onListenerError(handler: (error: unknown, event: DaemonEvent) => void): void {
    this.#onListenerError = handler;
  }

  /** Calls every listener; async listeners run detached and their failures are only reported. */
  emit(event: DaemonEvent): void {
    for (const listener of this.#listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerError(error, event));
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
