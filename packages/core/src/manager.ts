import type { AccountLock } from "./account-lock.js";
import type { BackoffPolicy } from "./backoff.js";
import { UpstoxTokenError } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { isRecordUsable, type TokenRecord, toRecord } from "./record.js";
import type { TokenSink } from "./sink.js";
import { defaultSinkRetry, readNewest, type SinkOutcome, writeToSinks } from "./sink-fanout.js";
import type { UpstoxToken } from "./token.js";

export interface TokenManagerOptions {
  sinks: TokenSink[];
  /** Gets a fresh token for the account (a new login: Upstox has no refresh tokens). Never retried here. */
  login: (account: string) => Promise<UpstoxToken>;
  /** A stored token must stay valid this long to be served. Default 10 minutes. */
  marginMs?: number;
  now?: () => number;
  logger?: Logger;
  sinkRetry?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Serialises refreshes across processes/machines; without it, only this process is serialised. */
  lock?: AccountLock;
  /** How long to wait for another holder of the account's lock. Default 3 minutes. */
  lockWaitMs?: number;
}

export interface RefreshResult {
  record: TokenRecord;
  /** false when a valid token was found in the sinks (possibly written by another instance meanwhile). */
  loggedIn: boolean;
  sinks: SinkOutcome[];
}

export const DEFAULT_MARGIN_MS = 10 * 60_000;

/**
 * Hands out valid tokens: from the sinks when one is still valid (no HTTP at all), else from one login per
 * account at a time, written to every sink. Concurrent callers share the same in-flight refresh.
 */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  readonly #inflight = new Map<string, Promise<RefreshResult>>();
  #lastGeneration = 0;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
  }

  get #now() {
    return this.#options.now ?? Date.now;
  }

  get #logger() {
    return this.#options.logger ?? silentLogger;
  }

  get #marginMs() {
    return this.#options.marginMs ?? DEFAULT_MARGIN_MS;
  }

  /** The newest stored record across readable sinks, valid or not. */
  readStored(account: string): Promise<TokenRecord | null> {
    return readNewest(this.#options.sinks, account, this.#logger);
  }

  /** A token valid for at least the margin: stored if possible, else from a (shared) login. */
  async getValidToken(account = "default"): Promise<TokenRecord> {
    const stored = await this.readStored(account);
    if (stored && isRecordUsable(stored, this.#now() + this.#marginMs)) return stored;
    return (await this.refresh(account)).record;
  }

  /**
   * Logs in unless a valid token is stored (or `force`), then writes every sink. Single-flight per account
   * within this process; across processes when a lock is configured.
   */
  refresh(account = "default", options: { force?: boolean } = {}): Promise<RefreshResult> {
    const running = this.#inflight.get(account);
    if (running) return running;
    const started = this.#refreshLocked(account, options.force ?? false).finally(() => {
      this.#inflight.delete(account);
    });
    this.#inflight.set(account, started);
    return started;
  }

  async #refreshLocked(account: string, force: boolean): Promise<RefreshResult> {
    const lock = this.#options.lock;
    if (!lock) return this.#refreshUnlocked(account, force);
    const handle = await lock.acquire(account, { waitMs: this.#options.lockWaitMs ?? 180_000 });
    if (!handle) {
      throw new UpstoxTokenError("LOCK_FAILED", `could not acquire the refresh lock for account ${account}`, {
        hint: "Another instance holds it longer than expected; check the other daemons, or raise lockWaitMs.",
        retryable: true,
      });
    }
    try {
      return await this.#refreshUnlocked(account, force);
    } finally {
      await handle.release().catch((error: unknown) => {
        this.#logger.warn({ account, err: String(error) }, "lock release failed; it expires by itself");
      });
    }
  }

  async #refreshUnlocked(account: string, force: boolean): Promise<RefreshResult> {
    // Re-read under the lock: another instance may have refreshed while we waited.
    const stored = await this.readStored(account);
    if (!force && stored && isRecordUsable(stored, this.#now() + this.#marginMs)) {
      return { record: stored, loggedIn: false, sinks: [] };
    }
    const token = await this.#options.login(account);
    const generation = Math.max(this.#now(), (stored?.generation ?? 0) + 1, this.#lastGeneration + 1);
    this.#lastGeneration = generation;
    const record = toRecord(account, token, generation);
    const sinks = await this.distribute(record);
    return { record, loggedIn: true, sinks };
  }

  /** Writes a record to every sink (bounded, jittered retries per sink) and reports each outcome. */
  async distribute(record: TokenRecord): Promise<SinkOutcome[]> {
    const outcomes = await writeToSinks(this.#options.sinks, record, {
      retry: this.#options.sinkRetry ?? defaultSinkRetry,
      logger: this.#logger,
      ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
    });
    for (const o of outcomes) {
      if (!o.ok) {
        this.#logger.error(
          { sink: o.sink, account: record.account, code: o.error.code, hint: o.error.hint },
          `token not stored in ${o.sink}: ${o.error.message}`,
        );
      }
    }
    return outcomes;
  }

  /** Closes every sink (each close is idempotent). */
  async close(): Promise<void> {
    await Promise.allSettled(this.#options.sinks.map((s) => s.close?.()));
  }
}
