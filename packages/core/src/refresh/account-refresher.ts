import type { AccountLock, LockHandle } from "../account-lock.js";
import { defaultSleep } from "../backoff.js";
import { UpstoxTokenError, unclassifiedLoginError } from "../errors.js";
import { upstoxExpiryMs } from "../expiry.js";
import { type Logger, silentLogger } from "../logger.js";
import { isRecordUsable, type TokenRecord, toRecord } from "../record.js";
import type { TokenSink } from "../sink.js";
import type { SinkOutcome } from "../sink-fanout.js";
import type { UpstoxToken } from "../token.js";
import type { RefreshEvent, RefreshListener } from "./events.js";
import { type CatchUpPolicy, type LaggingSink, LaggingSinks } from "./lagging-sinks.js";
import { allowsFallback, decideRetry, defaultRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { AccountSinks, defaultSinkWriteRetry, type StoredView } from "./sink-set.js";
import { acceptNewToken } from "./token-acceptance.js";

export interface AccountRefresherOptions {
  account: string;
  sinks: readonly TokenSink[];
  /** One login with the account's flow (Upstox has no refresh tokens). Retries are the refresher's. */
  login: LoginAttempt;
  /** The account's flow, for events (default "primary"). */
  flow?: string;
  /**
   * Flows run in the same cycle, in order, when the one before failed in a way `allowsFallback` accepts
   * (blocked, endpoint gone, app version refused, out of attempts). Never after a wrong PIN or a locked account.
   */
  fallbacks?: readonly { flow: string; login: LoginAttempt }[];
  /**
   * Where a new cycle runs, e.g. a shell's concurrency limiter; default: at once. A call made while a cycle waits
   * here joins it: the engine's single-flight covers the wait too, so a shell needs no guard of its own.
   */
  run?: <T>(cycle: () => Promise<T>) => Promise<T>;
  /** Serialises refreshes of the account across processes (file lock) or machines (Redis lock). */
  lock?: AccountLock | undefined;
  /**
   * The lock's key. Default: the account's name. Shells pass the Upstox user's `userKey`, so two configs of one
   * user serialise and two users never wait on each other, whatever their accounts are called.
   */
  lockKey?: string;
  /** How long to wait for another holder of the lock. Default 3 minutes. */
  lockWaitMs?: number;
  /** A stored token must stay valid this long to be served. Default 10 minutes. */
  marginMs?: number;
  retry?: RetryPolicy;
  sinkRetry?: import("../backoff.js").BackoffPolicy;
  /** A sink write attempt that has not settled after this long counts as failed. Default 30 s. */
  sinkAttemptTimeoutMs?: number;
  /**
   * @deprecated No effect: a login whose token reached no sink is never a failed attempt (that would send the
   * PIN again). The token is returned with the failed outcomes, held in memory and caught up into the sinks.
   */
  requireStored?: boolean;
  /**
   * A token an earlier engine for this account held (a reloaded config): kept and written to the sinks that
   * lack it at the next cycle, instead of a new login.
   */
  heldRecord?: TokenRecord | null;
  /** Catch-up of sinks that missed a token, and the read-back of those that have it (lagging-sinks.ts). */
  catchUp?: Partial<CatchUpPolicy>;
  /**
   * Check a token just obtained before it is stored: a JWT whose `exp` is in the future, accepted by
   * `verifyToken` (the profile call) when given. Otherwise the cycle fails (TOKEN_MALFORMED / TOKEN_REJECTED)
   * and nothing is stored. Default false (callers whose logins return opaque tokens).
   */
  acceptNewTokens?: boolean;
  /** Asks Upstox whether a stored token still works (the profile call); throws INVALID_TOKEN if not. */
  verifyToken?: (record: TokenRecord) => Promise<void>;
  now?: () => number;
  /** Backoff waits; resolves early when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  onEvent?: RefreshListener;
}

export type LoginAttempt = (context: {
  attempt: number;
  signal: AbortSignal | undefined;
}) => Promise<UpstoxToken>;

export interface RefreshRequest {
  /**
   * "serve-valid" (default): a stored token valid for the margin is served without a login.
   * "force": log in even so, unless another process stored a new token while this one waited for the lock.
   */
  mode?: "serve-valid" | "force";
  /** Check a stored token with Upstox (the profile call) before serving it. */
  verifyStored?: boolean;
  /**
   * false: the fallback flows are not run in this cycle (the quiet part of the morning, see morning-policy):
   * a failure that would have fallen back ends the cycle as a retryable failure, never a suspension.
   */
  fallbacks?: boolean;
  signal?: AbortSignal | undefined;
}

export type RefreshOutcome =
  | { result: "served"; record: TokenRecord }
  | { result: "refreshed"; record: TokenRecord; loggedIn: boolean; attempts: number; sinks: SinkOutcome[] }
  | { result: "failed"; error: UpstoxTokenError; attempts: number; permanent: boolean; reason: string }
  | { result: "rate-limited"; error: UpstoxTokenError; attempts: number; retryAt: number }
  | { result: "aborted" };

/** A stored token must stay valid this long to be served (the one place for the margin's default). */
export const DEFAULT_MARGIN_MS = 10 * 60_000;
/** How long a refresh waits for another holder of the account's lock (the one place for it). */
export const DEFAULT_LOCK_WAIT_MS = 180_000;

/**
 * One account's refresh cycle: serve a valid stored token, else take the account's lock, log in with retries
 * decided from the error's properties, write every sink and bring lagging ones up to date. Concurrent calls in
 * one process share the cycle in flight. Every step is reported as a typed event; nothing here prints.
 */
export class AccountRefresher {
  readonly #o: AccountRefresherOptions;
  readonly #sinks: AccountSinks;
  #inflight: Promise<RefreshOutcome> | undefined;
  #lastGeneration = 0;
  /** The record the last verification found refused (so the re-read under the lock does not serve it). */
  #lastRefused: TokenRecord | null = null;
  /** The newest token this process obtained or served: kept even when no sink could store it. */
  #held: TokenRecord | null = null;
  readonly #lagging: LaggingSinks;

  constructor(options: AccountRefresherOptions) {
    this.#o = options;
    this.#sinks = new AccountSinks(options.sinks, options.logger ?? silentLogger);
    this.#lagging = new LaggingSinks(options.sinks, {
      account: options.account,
      ...(options.catchUp ? { policy: options.catchUp } : {}),
      now: () => this.#now(),
      ...(options.random ? { random: options.random } : {}),
      logger: options.logger ?? silentLogger,
      emit: (event) => this.#emit(event),
    });
    if (options.heldRecord) this.#keep(options.heldRecord);
  }

  /** The sinks that do not hold this process's newest token yet (being caught up), in config order. */
  laggingSinks(): LaggingSink[] {
    return this.#lagging.list();
  }

  /** The newest token this process holds, stored or not (a sink may still be catching up). */
  heldRecord(): TokenRecord | null {
    return this.#held;
  }

  /** Stops the catch-up loop (its timers never keep a process alive, but a shell that is done says so). */
  close(): void {
    this.#lagging.close();
  }

  #keep(record: TokenRecord | null): void {
    if (record && this.#held && record.generation < this.#held.generation) return;
    this.#held = record;
    this.#lagging.hold(record);
  }

  /** What the sinks hold, with the token this process holds counted as one more copy. */
  async #read(account: string): Promise<StoredView> {
    const view = await this.#sinks.read(account);
    const held = this.#held;
    if (held && (!view.newest || held.generation > view.newest.generation)) return { ...view, newest: held };
    return view;
  }

  get account(): string {
    return this.#o.account;
  }

  get sinks(): readonly TokenSink[] {
    return this.#sinks.sinks;
  }

  /** The cycle in flight (the account's one single-flight), if one runs: a reader may wait for its token. */
  get inFlight(): Promise<RefreshOutcome> | undefined {
    return this.#inflight;
  }

  refresh(request: RefreshRequest = {}): Promise<RefreshOutcome> {
    this.#inflight ??= (
      this.#o.run ? this.#o.run(() => this.#guardedCycle(request)) : this.#guardedCycle(request)
    ).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  get #now(): () => number {
    return this.#o.now ?? Date.now;
  }

  #emit(event: RefreshEvent): void {
    try {
      this.#o.onEvent?.(event);
    } catch (error) {
      (this.#o.logger ?? silentLogger).warn(
        { event: event.type, err: String(error) },
        "a refresh listener failed",
      );
    }
  }

  /** A fault outside the login (a lock that cannot be taken, a sink that cannot be read) ends the cycle too. */
  async #guardedCycle(request: RefreshRequest): Promise<RefreshOutcome> {
    try {
      return await this.#cycle(request);
    } catch (caught) {
      if (request.signal?.aborted) return { result: "aborted" };
      const error = asUpstoxError(caught);
      const reason = `${error.code} before the login`;
      this.#emit({
        type: "failed",
        account: this.#o.account,
        error,
        attempt: 0,
        reason,
        permanent: false,
        at: this.#now(),
      });
      return { result: "failed", error, attempts: 0, permanent: false, reason };
    }
  }

  async #cycle(request: RefreshRequest): Promise<RefreshOutcome> {
    const { signal } = request;
    const account = this.#o.account;
    if (signal?.aborted) return { result: "aborted" };
    const force = request.mode === "force";
    // Without the lock first: most cycles find a valid token (another process, or a restart) and stop here.
    const before = await this.#read(account);
    let refused = false;
    if (!force) {
      const served = await this.#serveIfUsable(before, request);
      if (served) return served;
      refused = this.#lastRefused === before.newest && before.newest !== null;
    }
    const handle = await this.#lock(signal);
    if (handle === "aborted") return { result: "aborted" };
    try {
      const under = await this.#read(account);
      const newer = under.newest && under.newest.generation > (before.newest?.generation ?? 0);
      // A token Upstox just refused is not served again; only a newer one (another process's) is.
      if ((!force && !refused) || newer) {
        // Another process stored a token while this one waited for the lock: use it, no second login.
        const served = await this.#serveIfUsable(under, { ...request, verifyStored: false });
        if (served) return served.result === "served" && newer ? this.#fromOther(served.record) : served;
      }
      return await this.#loginWithFallbacks(under, signal, request.fallbacks !== false);
    } finally {
      await handle?.release().catch((error: unknown) => {
        (this.#o.logger ?? silentLogger).warn(
          { account, err: String(error) },
          "lock release failed; it expires by itself",
        );
      });
    }
  }

  #fromOther(record: TokenRecord): RefreshOutcome {
    this.#emit({
      type: "stored",
      account: this.#o.account,
      record,
      loggedIn: false,
      attempts: 0,
      at: this.#now(),
    });
    return { result: "refreshed", record, loggedIn: false, attempts: 0, sinks: [] };
  }

  async #serveIfUsable(view: StoredView, request: RefreshRequest): Promise<RefreshOutcome | null> {
    const record = view.newest;
    const now = this.#now();
    if (!record || !isRecordUsable(record, now + (this.#o.marginMs ?? DEFAULT_MARGIN_MS))) return null;
    if (request.verifyStored && this.#o.verifyToken) {
      try {
        await this.#o.verifyToken(record);
      } catch (caught) {
        const error = asUpstoxError(caught);
        if (error.code !== "INVALID_TOKEN") {
          // Not a refusal (a network fault, a timeout): the token may well work, so it is served.
          (this.#o.logger ?? silentLogger).warn(
            { account: this.#o.account, code: error.code, err: error.message },
            "could not verify the stored token with Upstox; serving it",
          );
          return this.#serve(record, view);
        }
        this.#lastRefused = record;
        if (record === this.#held) this.#keep(null);
        this.#emit({ type: "token-refused", account: this.#o.account, error, at: this.#now() });
        return null;
      }
    }
    return this.#serve(record, view);
  }

  async #serve(record: TokenRecord, view: StoredView): Promise<RefreshOutcome> {
    await this.#sync(record, view);
    this.#emit({ type: "served", account: this.#o.account, record, at: this.#now() });
    return { result: "served", record };
  }

  async #sync(record: TokenRecord, view: StoredView): Promise<void> {
    this.#keep(record);
    // Sinks already lagging are the catch-up loop's: a served token does not wait on them again.
    const { synced, outcomes } = await this.#lagging.exclusive(() =>
      this.#sinks.syncLagging(record, view, this.#o.sinkRetry ?? defaultSinkWriteRetry, (sink) =>
        this.#lagging.isLagging(sink),
      ),
    );
    this.#lagging.report(record, outcomes);
    this.#reportSinkFailures(outcomes);
    if (synced.length > 0)
      this.#emit({ type: "synced", account: this.#o.account, record, sinks: synced, at: this.#now() });
  }

  async #lock(signal: AbortSignal | undefined): Promise<LockHandle | null | "aborted"> {
    const lock = this.#o.lock;
    if (!lock) return null;
    const account = this.#o.account;
    const key = this.#o.lockKey ?? account;
    const waitMs = this.#o.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    const free = await lock.acquire(key, { waitMs: 0 });
    if (free) return free;
    const holder = await lock.holder?.(key).catch(() => null);
    this.#emit({
      type: "waiting-for-lock",
      account,
      holder: holder?.holder,
      since: holder?.since,
      at: this.#now(),
    });
    const handle = await lock.acquire(key, { waitMs, ...(signal ? { signal } : {}) });
    if (signal?.aborted) {
      await handle?.release().catch(() => {});
      return "aborted";
    }
    if (!handle) {
      throw new UpstoxTokenError(
        "LOCK_FAILED",
        `could not take account ${account}'s lock within ${Math.round(waitMs / 1000)} s`,
        {
          retryable: true,
          hint: "Another process holds it longer than expected: check the other daemons or CLIs refreshing this account.",
        },
      );
    }
    return handle;
  }

  /** The account's flow, then each fallback in turn while the previous one failed in a way that allows it. */
  async #loginWithFallbacks(
    stored: StoredView,
    signal: AbortSignal | undefined,
    fallbacksNow: boolean,
  ): Promise<RefreshOutcome> {
    const flows = [{ flow: this.#o.flow ?? "primary", login: this.#o.login }, ...(this.#o.fallbacks ?? [])];
    for (const [index, flow] of flows.entries()) {
      const next = flows[index + 1];
      const outcome = await this.#loginLoop(stored, signal, flow.login, next !== undefined);
      if (next && outcome.result === "failed" && outcome.fallback && !fallbacksNow) {
        // Deferred, not refused: the fallback runs in a later cycle, so nothing is suspended now.
        return this.#finish({
          ...outcome,
          permanent: false,
          fallback: false,
          reason: `${outcome.reason}; the fallback (${next.flow}) is deferred to a later cycle`,
        });
      }
      if (!next || outcome.result !== "failed" || !outcome.fallback) return this.#finish(outcome);
      this.#emit({
        type: "fallback",
        account: this.#o.account,
        from: flow.flow,
        to: next.flow,
        error: outcome.error,
        at: this.#now(),
      });
    }
    return { result: "aborted" };
  }

  /** Reports how the cycle ended (its last flow's result): a failure once, loudly when permanent. */
  #finish(outcome: RefreshOutcome & { fallback?: boolean }): RefreshOutcome {
    if (outcome.result !== "failed") return outcome;
    const { fallback: _ignored, ...failed } = outcome;
    const { error, attempts: attempt, reason } = failed;
    const account = this.#o.account;
    const permanent = failed.permanent;
    this.#emit({ type: "failed", account, error, attempt, reason, permanent, at: this.#now() });
    return failed;
  }

  async #loginLoop(
    stored: StoredView,
    signal: AbortSignal | undefined,
    login: LoginAttempt,
    fallbackFollows: boolean,
  ): Promise<RefreshOutcome & { fallback?: boolean }> {
    const account = this.#o.account;
    const policy = this.#o.retry ?? defaultRetryPolicy;
    const sleep = this.#o.sleep ?? ((ms: number) => defaultSleep(ms));
    const deadline = upstoxExpiryMs(this.#now());
    for (let attempt = 1; ; attempt++) {
      this.#emit({ type: "refreshing", account, attempt, at: this.#now() });
      try {
        const token = await login({ attempt, signal });
        if (this.#o.acceptNewTokens)
          await acceptNewToken(token, {
            now: this.#now(),
            ...(this.#o.verifyToken ? { verify: this.#o.verifyToken } : {}),
            logger: this.#o.logger ?? silentLogger,
            account,
          });
        const generation = Math.max(
          this.#now(),
          (stored.newest?.generation ?? 0) + 1,
          this.#lastGeneration + 1,
        );
        this.#lastGeneration = generation;
        const record = toRecord(account, token, generation);
        // From here the login is spent: a sink that fails is caught up later, never a reason to log in again.
        this.#keep(record);
        const outcomes = await this.#lagging.exclusive(() =>
          this.#sinks.writeAll(
            record,
            this.#o.sinkRetry ?? defaultSinkWriteRetry,
            this.#o.sinkAttemptTimeoutMs,
          ),
        );
        this.#lagging.report(record, outcomes);
        this.#reportSinkFailures(outcomes);
        this.#emit({ type: "stored", account, record, loggedIn: true, attempts: attempt, at: this.#now() });
        return { result: "refreshed", record, loggedIn: true, attempts: attempt, sinks: outcomes };
      } catch (caught) {
        if (signal?.aborted) return { result: "aborted" };
        // Fail closed: a fault no flow classified may have come after the PIN left (no new login this cycle).
        const error = caught instanceof UpstoxTokenError ? caught : unclassifiedLoginError(caught);
        const decision = decideRetry({
          error,
          attempt,
          policy,
          now: this.#now(),
          deadline,
          ...(this.#o.random ? { random: this.#o.random } : {}),
        });
        if (decision.action === "retry") {
          this.#emit({
            type: "retrying",
            account,
            attempt,
            error,
            delayMs: decision.delayMs,
            at: this.#now(),
          });
          await sleep(decision.delayMs, signal);
          if (signal?.aborted) return { result: "aborted" };
          continue;
        }
        if (decision.action === "rate-limited") {
          this.#emit({
            type: "rate-limited",
            account,
            error,
            attempt,
            retryAt: decision.retryAt,
            at: this.#now(),
          });
          return { result: "rate-limited", error, attempts: attempt, retryAt: decision.retryAt };
        }
        const fallback = fallbackFollows && allowsFallback(error, decision.outOfAttempts === true);
        return {
          result: "failed",
          error,
          attempts: attempt,
          // A permanent error that a fallback flow may get around does not stop the account.
          permanent: decision.permanent && !fallback,
          reason: decision.reason,
          fallback,
        };
      }
    }
  }

  #reportSinkFailures(outcomes: SinkOutcome[]): void {
    for (const o of outcomes) {
      if (!o.ok)
        this.#emit({
          type: "sink-failed",
          account: this.#o.account,
          sink: o.sink,
          error: o.error,
          at: this.#now(),
        });
    }
  }
}

export function asUpstoxError(error: unknown): UpstoxTokenError {
  if (error instanceof UpstoxTokenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstoxTokenError("NETWORK", message, { cause: error, retryable: true });
}
