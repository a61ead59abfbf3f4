import type { AccountLock } from "./account-lock.js";
import type { BackoffPolicy } from "./backoff.js";
import { DEFAULT_ACCOUNT } from "./default-account.js";
import { UpstoxTokenError } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { isRecordUsable, type TokenRecord } from "./record.js";
import { AccountRefresher, DEFAULT_LOCK_WAIT_MS, DEFAULT_MARGIN_MS } from "./refresh/account-refresher.js";
import { readNewest, readSink } from "./refresh/sink-set.js";
import type { TokenSink } from "./sink.js";
import { defaultSinkRetry, type SinkOutcome, writeToSinks } from "./sink-fanout.js";
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

/**
 * Hands out valid tokens: from the sinks when one is still valid (no HTTP at all), else from one login per
 * account at a time, written to every sink. Concurrent callers share the same in-flight refresh.
 */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  readonly #refreshers = new Map<string, AccountRefresher>();
  /** The one readable sink, when there is exactly one (the common case, and the hot path). */
  readonly #onlyReadable: TokenSink | undefined;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    const readable = options.sinks.filter((sink) => sink.read);
    this.#onlyReadable = readable.length === 1 ? readable[0] : undefined;
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
  async getValidToken(account = DEFAULT_ACCOUNT): Promise<TokenRecord> {
    // The hot path of every consumer asking for its token: one readable sink, read directly.
    const only = this.#onlyReadable;
    const stored = only ? await readSink(only, account, this.#logger) : await this.readStored(account);
    if (stored && isRecordUsable(stored, this.#now() + this.#marginMs)) return stored;
    return (await this.refresh(account)).record;
  }

  /**
   * Logs in unless a valid token is stored (or `force`), then writes every sink: one cycle of the refresh
   * engine (`AccountRefresher`) with a single login attempt. Single-flight per account within this process;
   * across processes when a lock is configured (a token another holder stored meanwhile is used).
   */
  async refresh(account = DEFAULT_ACCOUNT, options: { force?: boolean } = {}): Promise<RefreshResult> {
    const outcome = await this.#refresher(account).refresh({ mode: options.force ? "force" : "serve-valid" });
    switch (outcome.result) {
      case "served":
        return { record: outcome.record, loggedIn: false, sinks: [] };
      case "refreshed":
        if (outcome.loggedIn) this.#logSinkFailures(outcome.sinks, account);
        return { record: outcome.record, loggedIn: outcome.loggedIn, sinks: outcome.sinks };
      case "aborted":
        throw new UpstoxTokenError("LOGIN_ABORTED", `the refresh of ${account} was aborted`);
      default:
        throw outcome.error;
    }
  }

  #refresher(account: string): AccountRefresher {
    let refresher = this.#refreshers.get(account);
    if (!refresher) {
      const o = this.#options;
      refresher = new AccountRefresher({
        account,
        sinks: o.sinks,
        login: () => o.login(account),
        lock: o.lock,
        lockWaitMs: o.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
        marginMs: this.#marginMs,
        // The login is never retried here: callers own retries (a repeated PIN counts toward a lock-out).
        retry: { attempts: 1, baseMs: 0, maxMs: 0 },
        sinkRetry: o.sinkRetry ?? defaultSinkRetry,
        // The caller gets the token even when no sink could store it (the outcomes say so).
        requireStored: false,
        now: this.#now,
        logger: this.#logger,
      });
      this.#refreshers.set(account, refresher);
    }
    return refresher;
  }

  #logSinkFailures(outcomes: SinkOutcome[], account: string): void {
    for (const o of outcomes) {
      if (!o.ok) {
        this.#logger.error(
          { sink: o.sink, account, code: o.error.code, hint: o.error.hint },
          `token not stored in ${o.sink}: ${o.error.message}`,
        );
      }
    }
  }

  /** Writes a record to every sink (bounded, jittered retries per sink) and reports each outcome. */
  async distribute(record: TokenRecord): Promise<SinkOutcome[]> {
    const outcomes = await writeToSinks(this.#options.sinks, record, {
      retry: this.#options.sinkRetry ?? defaultSinkRetry,
      logger: this.#logger,
      ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
    });
    this.#logSinkFailures(outcomes, record.account);
    return outcomes;
  }

  /** Closes every sink (each close is idempotent). */
  async close(): Promise<void> {
    await Promise.allSettled(this.#options.sinks.map((s) => s.close?.()));
  }
}
