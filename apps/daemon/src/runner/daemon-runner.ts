import {
  type AccountLock,
  type BuiltinSinks,
  isTokenValid,
  type Logger,
  type RefreshResult,
  readNewest,
  SinkError,
  type SinkOutcome,
  TokenManager,
  type TokenRecord,
  type TokenSink,
  type UpstoxToken,
  UpstoxTokenError,
  upstoxExpiryMs,
  writeToSinks,
} from "@upstox-token/core";
import type { DaemonConfig, ResolvedAccount } from "../config/resolve-config.js";
import type { AccountStatus } from "../events.js";
import { DaemonEvents } from "../events.js";
import { createAccountLock } from "../locks/create-lock.js";
import { nextRunAt } from "../schedule.js";
import { loginForAccount } from "./account-login.js";
import { AccountStatusBook } from "./account-status.js";
import type { Clock } from "./clock.js";
import { Limiter } from "./limiter.js";
import { pacedFetch } from "./paced-fetch.js";
import { PinGuard } from "./pin-guard.js";
import { QuietCollector } from "./quiet-collector.js";
import { decideRetry } from "./retry-policy.js";
import { SinkSet } from "./sink-set.js";

export interface RunnerDeps {
  clock: Clock;
  fetch: typeof fetch;
  /** Backoff waits between login attempts; resolves early when the signal aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  logger: Logger;
  builtins: BuiltinSinks;
  /** Runs once the runner has been idle for a while after a burst; default a full garbage collection. */
  collectGarbage?: () => void;
}

export type AccountOutcome =
  | { account: string; result: "skipped"; expiresAt: number }
  | { account: string; result: "refreshed"; loggedIn: boolean; expiresAt: number; attempts: number }
  | { account: string; result: "failed"; error: UpstoxTokenError; attempts: number; suspended: boolean }
  | { account: string; result: "aborted" }
  | { account: string; result: "suspended"; error: UpstoxTokenError | null };

export interface RunSummary {
  ok: boolean;
  accounts: AccountOutcome[];
}

/** How long a refresh waits for another daemon holding the account's lock. */
const LOCK_WAIT_MS = 180_000;

/** The resources built from one config: created (and checked) before a config is used, closed after. */
export interface RunnerResources {
  config: DaemonConfig;
  sinks: SinkSet;
  lock: AccountLock;
  fetch: typeof fetch;
}

export async function prepareResources(config: DaemonConfig, deps: RunnerDeps): Promise<RunnerResources> {
  const sinks = await SinkSet.create(config, { builtins: deps.builtins, logger: deps.logger });
  try {
    await sinks.check();
  } catch (error) {
    await sinks.close();
    throw error;
  }
  const lock = await createAccountLock(config.lock, { baseDir: config.baseDir, logger: deps.logger });
  return { config, sinks, lock, fetch: pacedFetch(deps.fetch, config.pace) };
}

export async function closeResources(resources: RunnerResources): Promise<void> {
  await Promise.allSettled([resources.sinks.close(), resources.lock.close?.()]);
}

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
  /** The highest generation this process has seen per account: sinks that can't read are synced up to it. */
  readonly #seenGeneration = new Map<string, number>();
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

  /**
   * PROXY (issue 11), for the watchdog until the core engine offers the same: the newest stored record of an
   * account (what the proxy injects) and the names of its sinks (the status page).
   */
  storedRecord(name: string): Promise<TokenRecord | null> {
    return readNewest(this.#resources.sinks.for(name), name, this.#deps.logger);
  }

  sinkNames(name: string): string[] {
    return this.#resources.sinks.for(name).map((sink) => sink.name);
  }

  /**
   * PROXY (issue 11): a cycle now that logs in even though the stored token looks valid (Upstox refused it).
   * Suspension, the PIN guard and the retry policy apply as in any cycle; a cycle already running is joined.
   */
  refreshNow(name: string): Promise<AccountOutcome> {
    return this.runAccount(name, "watchdog", { force: true });
  }

  /** Runs one account's cycle unless one is already running for it (then joins that one). */
  runAccount(
    name: string,
    reason: "catch-up" | "scheduled" | "manual" | "watchdog",
    options: { force?: boolean } = {},
  ): Promise<AccountOutcome> {
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
      if (outcome.suspended || this.#abort.signal.aborted) return null;
      const again = now + this.config.retry.afterFailureMs;
      return cron === null ? again : Math.min(cron, again);
    }
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

  async #cycle(
    account: ResolvedAccount,
    resources: RunnerResources,
    reason: string,
    force = false,
  ): Promise<AccountOutcome> {
    const { clock, logger } = this.#deps;
    const name = account.name;
    const signal = this.#abort.signal;
    if (signal.aborted) return { account: name, result: "aborted" };
    const sinks = resources.sinks.for(name);
    const margin = resources.config.marginMs;
    const status = this.#status.ensure(name);

    const manager = (login: () => Promise<UpstoxToken>) =>
      new TokenManager({
        sinks,
        login: () => login(),
        marginMs: margin,
        now: () => clock.now(),
        logger,
        lock: resources.lock,
        lockWaitMs: LOCK_WAIT_MS,
      });

    // Without the lock first: most runs find a valid token (another daemon, or a restart) and stop here.
    const stored = await readNewest(sinks, name, logger);
    if (!force && stored && isTokenValid(stored, clock.now(), margin)) {
      status.expiresAt = stored.expiresAt;
      await this.#syncSinks(stored, sinks, name);
      this.events.emit({
        type: "refresh-skipped",
        account: name,
        reason: "valid-token-stored",
        expiresAt: stored.expiresAt,
        at: clock.now(),
      });
      logger.info(
        { account: name, reason, expiresAt: new Date(stored.expiresAt).toISOString() },
        "token still valid; no login",
      );
      return { account: name, result: "skipped", expiresAt: stored.expiresAt };
    }

    const pin = new PinGuard(account.upstox.endpointProfile.paths.twoFa);
    const fetch = pin.wrap(resources.fetch);
    const deadline = upstoxExpiryMs(clock.now());
    let wrongTotps = 0;
    for (let attempt = 1; ; attempt++) {
      this.events.emit({ type: "refresh-started", account: name, attempt, at: clock.now() });
      logger.info({ account: name, attempt, reason, flow: account.flow }, "refreshing");
      try {
        const result = await manager(() =>
          loginForAccount(account, {
            fetch,
            now: () => clock.now(),
            sleep: (ms) => this.#limiter.yieldWhile(() => this.#deps.sleep(ms, signal)),
            logger,
            signal,
          }),
        ).refresh(name, { force });
        const record = await this.#afterRefresh(result, sinks, name);
        status.expiresAt = record.expiresAt;
        status.lastRefreshAt = clock.now();
        if (result.loggedIn) status.logins++;
        this.events.emit({
          type: "refresh-succeeded",
          account: name,
          record,
          loggedIn: result.loggedIn,
          attempts: attempt,
          at: clock.now(),
        });
        logger.info(
          {
            account: name,
            loggedIn: result.loggedIn,
            attempts: attempt,
            expiresAt: new Date(record.expiresAt).toISOString(),
          },
          result.loggedIn ? "new token stored" : "another instance refreshed it; token stored",
        );
        return {
          account: name,
          result: "refreshed",
          loggedIn: result.loggedIn,
          expiresAt: record.expiresAt,
          attempts: attempt,
        };
      } catch (caught) {
        const error = asUpstoxError(caught);
        if (signal.aborted) {
          logger.warn({ account: name, attempt }, "login abandoned: shutting down");
          return { account: name, result: "aborted" };
        }
        if (error.code === "WRONG_TOTP") wrongTotps++;
        const decision = decideRetry({
          error,
          attempt,
          policy: resources.config.retry,
          pin,
          wrongTotps,
          now: clock.now(),
          deadline,
          random: this.#deps.random,
        });
        this.#status.recordError(name, error, clock.now());
        this.events.emit({
          type: "refresh-failed",
          account: name,
          error,
          attempt,
          willRetry: decision.retry,
          at: clock.now(),
        });
        const fields = {
          account: name,
          attempt,
          code: error.code,
          upstoxCode: error.upstoxCode,
          hint: error.hint,
          err: error.message,
        };
        if (decision.retry) {
          logger.warn({ ...fields, retryInMs: decision.delayMs }, "login failed; retrying");
          await this.#limiter.yieldWhile(() => this.#deps.sleep(decision.delayMs, signal));
          if (signal.aborted) return { account: name, result: "aborted" };
          continue;
        }
        if (decision.suspend) {
          this.#suspended.set(name, error);
          logger.error(
            { ...fields, reason: decision.reason },
            `ACCOUNT ${name} NEEDS ATTENTION: ${error.message}. Not retried until the config is reloaded (SIGHUP) or the daemon restarts.`,
          );
        } else {
          logger.error({ ...fields, reason: decision.reason }, `refresh of ${name} failed for this cycle`);
        }
        return { account: name, result: "failed", error, attempts: attempt, suspended: decision.suspend };
      }
    }
  }

  /** Reports sink failures; a login whose token reached no sink at all counts as a failed attempt. */
  async #afterRefresh(result: RefreshResult, sinks: TokenSink[], name: string): Promise<TokenRecord> {
    if (!result.loggedIn) {
      // Found valid under the lock: another daemon logged in. Bring this daemon's own sinks up to date.
      await this.#syncSinks(result.record, sinks, name);
      return result.record;
    }
    this.#seenGeneration.set(name, Math.max(this.#seenGeneration.get(name) ?? 0, result.record.generation));
    const failed = result.sinks.filter((o) => !o.ok);
    this.#reportSinkFailures(failed, name);
    if (result.sinks.length > 0 && failed.length === result.sinks.length) {
      throw new SinkError(
        "SINK_FAILED",
        failed.map((o) => o.sink).join(", "),
        "the new token could not be stored in any sink",
        {
          retryable: true,
          hint: "Check the sinks (paths, permissions, servers); the daemon retries.",
        },
      );
    }
    return result.record;
  }

  /** Writes the record to the sinks that do not hold it yet (a token another daemon obtained). */
  async #syncSinks(record: TokenRecord, sinks: TokenSink[], name: string): Promise<void> {
    const seen = this.#seenGeneration.get(name) ?? 0;
    const behind: TokenSink[] = [];
    await Promise.all(
      sinks.map(async (sink) => {
        if (sink.capabilities.read && sink.read) {
          try {
            const held = await sink.read(name);
            if (!held || held.generation < record.generation) behind.push(sink);
          } catch {
            behind.push(sink);
          }
        } else if (record.generation > seen) {
          behind.push(sink);
        }
      }),
    );
    this.#seenGeneration.set(name, Math.max(seen, record.generation));
    if (behind.length === 0) return;
    const outcomes = await writeToSinks(behind, record, {
      retry: { attempts: 3, baseMs: 250, maxMs: 2_000 },
      logger: this.#deps.logger,
    });
    this.#reportSinkFailures(outcomes, name);
  }

  #reportSinkFailures(outcomes: SinkOutcome[], name: string): void {
    for (const outcome of outcomes) {
      if (outcome.ok) continue;
      this.events.emit({
        type: "sink-failed",
        account: name,
        sink: outcome.sink,
        error: outcome.error,
        at: this.#deps.clock.now(),
      });
    }
  }
}

export function asUpstoxError(error: unknown): UpstoxTokenError {
  if (error instanceof UpstoxTokenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstoxTokenError("NETWORK", message, { cause: error, retryable: true });
}
