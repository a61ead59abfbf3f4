// Over 300 lines: the runner is one class whose methods share its state (limiter, engines, suspensions,
// schedule); fleet mode adds two small seams to it (lockHeld, the PIN-step hook), which belong with that state.
import {
  type AccountRefresher,
  asUpstoxError,
  type LastRefresh,
  type RefreshOutcome,
  readNewest,
  TokenHolder,
  type TokenRecord,
  UpstoxTokenError,
} from "@upstox-token/core/internal";
import type { DaemonConfig, ResolvedAccount } from "../config/resolve-config.js";
import {
  type AccountStatus,
  AccountStatusBook,
  type LaggingSinkStatus,
  laggingSinkStatus,
} from "../observe/account-status.js";
import { DaemonEvents } from "../observe/event-bus.js";
import { createAccountEngine } from "./account-engine.js";
import type { AccountResult, CycleReason, RefreshNowOptions, RunSummary } from "./account-result.js";
import { LastRefreshBook } from "./last-refresh-book.js";
import { Limiter } from "./limiter.js";
import { countFailures, fallbacksNow, nextRunAfter } from "./next-run.js";
import { QuietCollector } from "./quiet-collector.js";
import { logRefreshEvent } from "./refresh-log.js";
import { closeResources, type RunnerDeps, type RunnerResources } from "./resources.js";

export type { AccountResult, CycleReason, RefreshNowOptions, RunSummary } from "./account-result.js";

/**
 * Keeps every account's token fresh: catch-up at start, then the schedule; one refresh cycle per account at a
 * time, at most `concurrency` accounts at once. The auth logic is core's; this decides when and how often.
 */
export class DaemonRunner {
  readonly events = new DaemonEvents();
  /** Each account's newest token as the engine stored or served it: what the proxy and the watchdog read. */
  readonly tokens = new TokenHolder();
  readonly #deps: RunnerDeps;
  readonly #status = new AccountStatusBook();
  /** The cycles this runner started, with their scheduling (for settle() and the quiet collector). */
  readonly #running = new Set<Promise<AccountResult>>();
  readonly #suspended = new Map<string, UpstoxTokenError>();
  /** One engine per account per config: its single-flight and its sinks' generations live across cycles. */
  #refreshers = new Map<string, AccountRefresher>();
  /** Tokens the engines of the previous config held, for the new ones (a reload). */
  readonly #carried = new Map<string, TokenRecord>();
  readonly #reasons = new Map<string, CycleReason>();
  /** Failed cycles in a row per account (the morning backoff's exponent); a success resets it. */
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #collector: QuietCollector;
  readonly #lastRefresh: LastRefreshBook;
  #resources: RunnerResources;
  #limiter: Limiter;
  #scheduler: { set(account: string, at: number | null): void; clear(): void } | null = null;

  constructor(resources: RunnerResources, deps: RunnerDeps) {
    this.#resources = resources;
    this.#deps = deps;
    this.#limiter = new Limiter(resources.config.concurrency);
    this.#collector = new QuietCollector(deps.collectGarbage ? { collect: deps.collectGarbage } : {});
    this.#status.retain(resources.config.accounts.map((a) => a.name));
    this.#lastRefresh = new LastRefreshBook(resources.stateDir, this.events, deps.logger);
    this.events.onListenerError((error, event) =>
      deps.logger.warn({ event: event.type, err: String(error) }, "a daemon event listener failed"),
    );
  }

  get config(): DaemonConfig {
    return this.#resources.config;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  attachScheduler(scheduler: { set(account: string, at: number | null): void; clear(): void }): void {
    this.#scheduler = scheduler;
  }

  status(): AccountStatus[] {
    return this.#status.list(this.config.accounts.map((a) => a.name)).map((status) => ({
      ...status,
      sinks: this.sinkNames(status.account),
      laggingSinks: this.laggingSinks(status.account),
    }));
  }

  /** The account's sinks that do not hold its newest token yet (the engine is catching them up). */
  laggingSinks(name: string): LaggingSinkStatus[] {
    return (this.#refreshers.get(name)?.laggingSinks() ?? []).map(laggingSinkStatus);
  }

  /** Catch-up: every account without a token valid for the margin is refreshed now (bounded concurrency). */
  async runAll(reason: "catch-up" | "manual" = "catch-up"): Promise<RunSummary> {
    const outcomes = await Promise.all(
      this.config.accounts.map((account) => this.runAccount(account.name, reason)),
    );
    return {
      ok: outcomes.every((o) => o.result === "served" || o.result === "refreshed"),
      accounts: outcomes,
    };
  }

  /**
   * The newest record of an account (what the proxy injects): stored, or held by the engine while no sink
   * could store it yet.
   */
  async storedRecord(name: string): Promise<TokenRecord | null> {
    const stored = await readNewest(this.#resources.sinks.for(name), name, this.#deps.logger);
    const held = this.#refreshers.get(name)?.heldRecord() ?? null;
    return held && (!stored || held.generation > stored.generation) ? held : stored;
  }

  /** The sinks whose check failed when the current config was loaded (--dry-run reports them). */
  sinkCheckFailures(): { sink: string; message: string }[] {
    return this.#resources.sinkCheckFailures;
  }

  /** Whether anyone (this process or another) holds the account's lock now; false when the lock cannot tell. */
  async lockHeld(name: string): Promise<boolean> {
    return (await this.#resources.lock.holder?.(name)) != null;
  }

  /** Reads the state folder's last refresh of every account (at start; a reload reads new ones). */
  loadLastRefresh(): Promise<void> {
    return this.#lastRefresh.load(this.config.accounts);
  }

  /** An account's last stored or served result, this run's or an earlier run's (the status page). */
  lastRefresh(name: string): LastRefresh | null {
    return this.#lastRefresh.get(name);
  }

  /** The engine's cycle in flight for the account (its single-flight), if one runs. */
  inFlight(name: string): Promise<RefreshOutcome> | undefined {
    return this.#refreshers.get(name)?.inFlight;
  }

  /** The names of an account's sinks (the status page). */
  sinkNames(name: string): string[] {
    return this.#resources.sinks.for(name).map((sink) => sink.name);
  }

  /**
   * One engine cycle for one account, now, through the limiter (the proxy's watchdog calls this when Upstox
   * refuses the token in use; the status page's button). `force` logs in even when a valid token is stored;
   * `cause` is what the status page says about it (default "manual").
   */
  refreshNow(name: string, reason: string, options: RefreshNowOptions = {}): Promise<AccountResult> {
    this.#deps.logger.info({ account: name, reason, cause: options.cause ?? "manual" }, "refresh requested");
    return this.runAccount(name, options.cause ?? "manual", options);
  }

  /**
   * Runs one account's cycle through the limiter, unless the engine has one in flight for it (waiting for a slot
   * or running): then joins that one. The engine's single-flight is the only one.
   */
  runAccount(name: string, reason: CycleReason, options: { force?: boolean } = {}): Promise<AccountResult> {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) return Promise.resolve({ account: name, result: "aborted" });
    const resources = this.#resources;
    const joined = this.#refresher(account, resources).inFlight;
    if (joined) return joined.then((outcome) => ({ account: name, ...outcome }));
    const suspendedBy = this.#suspended.get(name);
    if (suspendedBy) {
      return Promise.resolve({ account: name, result: "suspended", error: suspendedBy });
    }
    const cycle: Promise<AccountResult> = this.#cycle(account, resources, reason, options.force ?? false)
      .catch((error: unknown): AccountResult => {
        // A bug here must not kill the daemon: report it like a failed cycle.
        const wrapped = asUpstoxError(error);
        this.#deps.logger.error({ account: name, err: wrapped.message }, "refresh cycle crashed");
        const reason = "the refresh cycle crashed";
        return { account: name, result: "failed", error: wrapped, attempts: 0, permanent: false, reason };
      })
      .then((outcome) => {
        this.#scheduleAfter(account, outcome);
        return outcome;
      })
      .finally(() => {
        this.#running.delete(cycle);
        if (this.#running.size === 0) this.#collector.quiet();
      });
    this.#running.add(cycle);
    this.#collector.busy();
    return cycle;
  }

  /** Waits for the cycles in flight (after stop(), they end at their next abort point). */
  async settle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const all = Promise.allSettled([...this.#running]).then(() => true);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Switches to new resources (a reloaded config): waits for running cycles, then swaps and closes the old. */
  async swap(resources: RunnerResources): Promise<void> {
    await this.settle();
    const old = this.#resources;
    this.#resources = resources;
    this.#limiter = new Limiter(resources.config.concurrency);
    // A token no sink could store yet survives the reload (the new engine writes it, no new login).
    this.#carried.clear();
    for (const [name, refresher] of this.#refreshers) {
      const held = refresher.heldRecord();
      if (held) this.#carried.set(name, held);
      refresher.close();
    }
    this.#refreshers = new Map();
    this.#suspended.clear();
    this.#status.retain(resources.config.accounts.map((a) => a.name));
    this.tokens.retain(resources.config.accounts.map((a) => a.name));
    for (const status of this.status()) status.nextRunAt = null;
    await this.#lastRefresh.load(resources.config.accounts);
    await closeResources(old);
  }

  /** Stops new attempts and aborts the logins in flight (their HTTP requests end at once). */
  abort(): void {
    this.#abort.abort(new UpstoxTokenError("LOGIN_ABORTED", "the daemon is shutting down"));
  }

  async close(): Promise<void> {
    this.#collector.stop();
    for (const refresher of this.#refreshers.values()) refresher.close();
    await this.#lastRefresh.flushed();
    await closeResources(this.#resources);
  }

  #scheduleAfter(account: ResolvedAccount, outcome: AccountResult): void {
    if (!this.#scheduler || !this.config.accounts.includes(account)) return;
    const now = this.#deps.clock.now();
    const failures = countFailures(this.#failures, account.name, outcome);
    const at = nextRunAfter(account, outcome, this.config, {
      now,
      aborted: this.#abort.signal.aborted,
      failures,
    });
    const status = this.#status.ensure(account.name);
    status.nextRunAt = at;
    this.#scheduler.set(account.name, at);
    if (at !== null) {
      this.events.emit({ type: "scheduled", account: account.name, nextRunAt: at, at: now });
      this.#deps.logger.debug(
        { account: account.name, nextRunAt: new Date(at).toISOString() },
        "next run scheduled",
      );
    }
  }

  #refresher(account: ResolvedAccount, resources: RunnerResources): AccountRefresher {
    let refresher = this.#refreshers.get(account.name);
    if (refresher) return refresher;
    const { logger } = this.#deps;
    refresher = createAccountEngine(account, resources, {
      deps: this.#deps,
      signal: this.#abort.signal,
      // Backoff waits give the limiter's slot to another account; cycles wait for a slot inside the engine.
      sleep: (ms) => this.#limiter.yieldWhile(() => this.#deps.sleep(ms, this.#abort.signal)),
      run: (cycle) => this.#limiter.run(cycle),
      heldRecord: this.#carried.get(account.name) ?? null,
      onEvent: (event) => {
        // The status first (a listener or a health check reading it sees the event's effect), then the log
        // line, then the listeners: all hear the engine's event as it is.
        this.#status.apply(event);
        this.tokens.observe(event);
        logRefreshEvent(event, { logger, reason: this.#reasons.get(account.name) ?? "", flow: account.flow });
        this.events.emit(event);
      },
    });
    // A token the previous engine held and no sink stored yet reaches the proxy through the holder too.
    const held = refresher.heldRecord();
    if (held) this.tokens.keep(held);
    this.#refreshers.set(account.name, refresher);
    return refresher;
  }

  async #cycle(
    account: ResolvedAccount,
    resources: RunnerResources,
    reason: CycleReason,
    force: boolean,
  ): Promise<AccountResult> {
    const name = account.name;
    const signal = this.#abort.signal;
    if (signal.aborted) return { account: name, result: "aborted" };
    this.#status.ensure(name);
    this.#reasons.set(name, reason);
    // The profile call once per account at start-up and after a reload: a token Upstox no longer accepts
    // (revoked, or invalidated by a static-IP change) is replaced instead of served until 03:30.
    const verifyStored = resources.config.verifyOnStart && reason === "catch-up";
    this.#lastRefresh.startCycle(name);
    const outcome = await this.#refresher(account, resources).refresh({
      mode: force ? "force" : "serve-valid",
      verifyStored,
      fallbacks: fallbacksNow(reason, this.#scheduler !== null, this.#deps.clock, resources.config.morning),
      signal,
    });
    this.#lastRefresh.record(account, outcome, reason, resources.sinks.for(name), this.#deps.clock.now());
    if (outcome.result === "aborted") {
      this.#deps.logger.warn({ account: name }, "refresh abandoned: shutting down");
    }
    // The engine's verdict: a permanent failure stops the account until the config changes.
    if (outcome.result === "failed" && outcome.permanent) this.#suspended.set(name, outcome.error);
    return { account: name, ...outcome };
  }
}
