import {
  AccountRefresher,
  asUpstoxError,
  defaultMorningPolicy,
  fallbacksAllowed,
  nextMorningRetry,
  readNewest,
  type TokenRecord,
  UpstoxTokenError,
} from "@upstox-token/core";
import type { DaemonConfig, ResolvedAccount } from "../config/resolve-config.js";
import type { AccountStatus } from "../observe/events.js";
import { DaemonEvents } from "../observe/events.js";
import { loginForAccount, verifyStoredToken } from "./account-login.js";
import {
  type AccountOutcome,
  type CycleReason,
  type RunSummary,
  toAccountOutcome,
} from "./account-outcome.js";
import { AccountStatusBook } from "./account-status.js";
import { Limiter } from "./limiter.js";
import { QuietCollector } from "./quiet-collector.js";
import { renderRefreshEvent } from "./refresh-log.js";
import { closeResources, type RunnerDeps, type RunnerResources } from "./resources.js";
import { nextRunAt } from "./schedule.js";

/** How long a refresh waits for another daemon holding the account's lock. */
const LOCK_WAIT_MS = 180_000;

/**
 * Keeps every account's token fresh: catch-up at start, then the schedule; one refresh cycle per account at a
 * time, at most `concurrency` accounts at once. The auth logic is core's; this decides when and how often.
 */
export class DaemonRunner {
  readonly events = new DaemonEvents();
  readonly #deps: RunnerDeps;
  readonly #status = new AccountStatusBook();
  readonly #running = new Map<string, Promise<AccountOutcome>>();
  readonly #suspended = new Map<string, UpstoxTokenError>();
  /** One engine per account per config: its single-flight and its sinks' generations live across cycles. */
  #refreshers = new Map<string, AccountRefresher>();
  readonly #reasons = new Map<string, CycleReason>();
  /** Failed cycles in a row per account (the morning backoff's exponent); a success resets it. */
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #collector: QuietCollector;
  #resources: RunnerResources;
  #limiter: Limiter;
  #scheduler: { set(account: string, at: number | null): void; clear(): void } | null = null;

  constructor(resources: RunnerResources, deps: RunnerDeps) {
    this.#resources = resources;
    this.#deps = deps;
    this.#limiter = new Limiter(resources.config.concurrency);
    this.#collector = new QuietCollector(deps.collectGarbage ? { collect: deps.collectGarbage } : {});
    this.#status.retain(resources.config.accounts.map((a) => a.name));
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
    return this.#status.list(this.config.accounts.map((a) => a.name));
  }

  /** Catch-up: every account without a token valid for the margin is refreshed now (bounded concurrency). */
  async runAll(reason: "catch-up" | "manual" = "catch-up"): Promise<RunSummary> {
    const outcomes = await Promise.all(
      this.config.accounts.map((account) => this.runAccount(account.name, reason)),
    );
    return {
      ok: outcomes.every((o) => o.result === "skipped" || o.result === "refreshed"),
      accounts: outcomes,
    };
  }

  /** The newest stored record of an account (what the proxy injects). */
  storedRecord(name: string): Promise<TokenRecord | null> {
    return readNewest(this.#resources.sinks.for(name), name, this.#deps.logger);
  }

  /** The names of an account's sinks (the status page). */
  sinkNames(name: string): string[] {
    return this.#resources.sinks.for(name).map((sink) => sink.name);
  }

  /**
   * One engine cycle for one account, now, through the limiter (the proxy's watchdog calls this when Upstox
   * refuses the token in use). `force` logs in even when a valid token is stored.
   */
  refreshNow(name: string, reason: string, options: { force?: boolean } = {}): Promise<AccountOutcome> {
    this.#deps.logger.info({ account: name, reason }, "refresh requested");
    return this.runAccount(name, "manual", options);
  }

  /** Runs one account's cycle unless one is already running for it (then joins that one). */
  runAccount(name: string, reason: CycleReason, options: { force?: boolean } = {}): Promise<AccountOutcome> {
    const running = this.#running.get(name);
    if (running) return running;
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) return Promise.resolve({ account: name, result: "aborted" });
    const suspendedBy = this.#suspended.get(name);
    if (suspendedBy) {
      return Promise.resolve({ account: name, result: "suspended", error: suspendedBy });
    }
    const resources = this.#resources;
    const cycle = this.#limiter
      .run(() => this.#cycle(account, resources, reason, options.force ?? false))
      .catch((error: unknown): AccountOutcome => {
        // A bug here must not kill the daemon: report it like a failed cycle.
        const wrapped = asUpstoxError(error);
        this.#deps.logger.error({ account: name, err: wrapped.message }, "refresh cycle crashed");
        return { account: name, result: "failed", error: wrapped, attempts: 0, suspended: false };
      })
      .then((outcome) => {
        this.#scheduleAfter(account, outcome);
        return outcome;
      })
      .finally(() => {
        this.#running.delete(name);
        if (this.#running.size === 0) this.#collector.quiet();
      });
    this.#running.set(name, cycle);
    this.#collector.busy();
    return cycle;
  }

  /** Waits for the cycles in flight (after stop(), they end at their next abort point). */
  async settle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const all = Promise.allSettled([...this.#running.values()]).then(() => true);
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
    this.#refreshers = new Map();
    this.#suspended.clear();
    this.#status.retain(resources.config.accounts.map((a) => a.name));
    for (const status of this.status()) status.nextRunAt = null;
    await closeResources(old);
  }

  /** Stops new attempts and aborts the logins in flight (their HTTP requests end at once). */
  abort(): void {
    this.#abort.abort(new UpstoxTokenError("LOGIN_ABORTED", "the daemon is shutting down"));
  }

  async close(): Promise<void> {
    this.#collector.stop();
    await closeResources(this.#resources);
  }

  #nextRun(account: ResolvedAccount, outcome: AccountOutcome): number | null {
    const now = this.#deps.clock.now();
    const cron = nextRunAt(account.schedule, account.name, now);
    if (outcome.result === "aborted" || outcome.result === "suspended") return null;
    if (outcome.result === "failed") {
      const failures = (this.#failures.get(account.name) ?? 0) + 1;
      this.#failures.set(account.name, failures);
      if (outcome.suspended || this.#abort.signal.aborted) return null;
      // A rate limit: exactly when Upstox allows it, never sooner (an earlier try would ask for another OTP).
      if (outcome.retryAt !== undefined) return outcome.retryAt;
      // The morning is not given up early: capped backoff until market open (core's morning policy).
      const morning = nextMorningRetry(now, failures, this.config.morning ?? defaultMorningPolicy);
      const again = morning ?? now + this.config.retry.afterFailureMs;
      return cron === null ? again : Math.min(cron, again);
    }
    this.#failures.delete(account.name);
    return cron;
  }

  #scheduleAfter(account: ResolvedAccount, outcome: AccountOutcome): void {
    if (!this.#scheduler || !this.config.accounts.includes(account)) return;
    const at = this.#nextRun(account, outcome);
    const status = this.#status.ensure(account.name);
    status.nextRunAt = at;
    this.#scheduler.set(account.name, at);
    if (at !== null) {
      this.events.emit({
        type: "scheduled",
        account: account.name,
        nextRunAt: at,
        at: this.#deps.clock.now(),
      });
      this.#deps.logger.debug(
        { account: account.name, nextRunAt: new Date(at).toISOString() },
        "next run scheduled",
      );
    }
  }

  #refresher(account: ResolvedAccount, resources: RunnerResources): AccountRefresher {
    let refresher = this.#refreshers.get(account.name);
    if (refresher) return refresher;
    const { clock, logger } = this.#deps;
    const signal = this.#abort.signal;
    const loginDeps = {
      fetch: resources.fetch,
      now: () => clock.now(),
      sleep: (ms: number) => this.#limiter.yieldWhile(() => this.#deps.sleep(ms, signal)),
      logger,
      signal,
    };
    refresher = new AccountRefresher({
      account: account.name,
      sinks: resources.sinks.for(account.name),
      lock: resources.lock,
      lockWaitMs: LOCK_WAIT_MS,
      marginMs: resources.config.marginMs,
      retry: resources.config.retry,
      flow: account.flow,
      login: () => loginForAccount(account, loginDeps),
      fallbacks: account.fallback.map((flow) => ({
        flow,
        login: () => loginForAccount(account, loginDeps, flow),
      })),
      verifyToken: (record) => verifyStoredToken(account, record, loginDeps),
      now: () => clock.now(),
      sleep: (ms) => this.#limiter.yieldWhile(() => this.#deps.sleep(ms, signal)),
      random: this.#deps.random,
      logger,
      onEvent: (event) =>
        renderRefreshEvent(event, {
          events: this.events,
          logger,
          reason: this.#reasons.get(account.name) ?? "",
          flow: account.flow,
        }),
    });
    this.#refreshers.set(account.name, refresher);
    return refresher;
  }

  async #cycle(
    account: ResolvedAccount,
    resources: RunnerResources,
    reason: CycleReason,
    force: boolean,
  ): Promise<AccountOutcome> {
    const { clock } = this.#deps;
    const name = account.name;
    const signal = this.#abort.signal;
    if (signal.aborted) return { account: name, result: "aborted" };
    const status = this.#status.ensure(name);
    this.#reasons.set(name, reason);
    // The profile call once per account at start-up and after a reload: a token Upstox no longer accepts
    // (revoked, or invalidated by a static-IP change) is replaced instead of served until 03:30.
    const verifyStored = resources.config.verifyOnStart && reason === "catch-up";
    const outcome = await this.#refresher(account, resources).refresh({
      mode: force ? "force" : "serve-valid",
      verifyStored,
      // The quiet part of the morning retries the account's own flow; the fallbacks wait for escalateAt. Only
      // a scheduled daemon waits: --once has no later cycle, and a manual refresh has someone awake asking.
      fallbacks:
        this.#scheduler === null ||
        reason === "manual" ||
        fallbacksAllowed(clock.now(), resources.config.morning ?? defaultMorningPolicy),
      signal,
    });
    return toAccountOutcome(name, outcome, status, clock.now(), {
      logger: this.#deps.logger,
      events: this.events,
      book: this.#status,
      suspended: this.#suspended,
    });
  }
}

export type { AccountOutcome, CycleReason, RunSummary } from "./account-outcome.js";
export type { RunnerDeps, RunnerResources } from "./resources.js";
export { closeResources, prepareResources } from "./resources.js";
export { asUpstoxError };
