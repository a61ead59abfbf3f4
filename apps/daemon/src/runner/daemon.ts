import type { BuiltinSinks, LastRefresh, Logger, TokenHolder, TokenRecord } from "@upstox-token/core";
import { silentLogger } from "@upstox-token/core";
import { loadConfigFile } from "../config/load-config.js";
import type { DaemonConfig } from "../config/resolve-config.js";
import type { AccountStatus, LaggingSinkStatus } from "../observe/account-status.js";
import type { DaemonEvents } from "../observe/event-bus.js";
import { builtinSinks } from "./builtin-sinks.js";
import { type Clock, sleepOn, systemClock } from "./clock.js";
import {
  type AccountResult,
  DaemonRunner,
  type RefreshNowOptions,
  type RunSummary,
} from "./daemon-runner.js";
import type { FleetMode, FleetState, PinStep } from "./fleet-mode.js";
import { closeResources, prepareResources, type RunnerResources } from "./resources.js";
import { nextRunAt } from "./schedule.js";
import { Scheduler } from "./scheduler.js";

export interface StartDaemonOptions {
  /** The config file (--config); default: found in `cwd`. Ignored when `config` is given. */
  configPath?: string | undefined;
  /** An already loaded config (tests, programmatic use). */
  config?: DaemonConfig;
  cwd?: string;
  /** For ${VAR} interpolation; default process.env. A function is called at start and on every reload. */
  env?: Record<string, string | undefined> | (() => Record<string, string | undefined>);
  /** The --env-file `env` reads (named in messages about a value that came from it). */
  envFile?: string | undefined;
  logger?: Logger;
  /** Default: catch up now, then follow the schedule. false: nothing runs until runOnce() (--once, --dry-run). */
  schedule?: boolean;
  /** Applied to every loaded config, at start and on reload (the --emulator mode points accounts at it). */
  transformConfig?: (config: DaemonConfig) => DaemonConfig | Promise<DaemonConfig>;
  /** Injectable for tests: wall clock and timers. */
  clock?: Clock;
  fetch?: typeof fetch;
  /** Backoff waits between attempts; default real timers on `clock`. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  builtins?: BuiltinSinks;
  /** The state folder; default UPSTOX_STATE_DIR, else $XDG_STATE_HOME/upstox-token (core's defaultStateDir). */
  stateDir?: string;
  /** How long stop() waits for logins in flight to end after aborting them. Default 5000 ms. */
  stopGraceMs?: number;
}

export type ReloadResult = { ok: true; config: DaemonConfig } | { ok: false; error: unknown };

export interface Daemon {
  readonly events: DaemonEvents;
  /** Each account's newest token as the engine stored or served it (holds tokens: never log it). */
  readonly tokens: TokenHolder;
  /** The engine's cycle in flight for the account, if one runs. */
  inFlight(account: string): Promise<unknown> | undefined;
  /** The config in use (changes on a successful reload). */
  readonly config: DaemonConfig;
  status(): AccountStatus[];
  /** Catch-up pass: refreshes every account without a token valid for the margin. */
  runOnce(reason?: "catch-up" | "manual"): Promise<RunSummary>;
  /**
   * One engine cycle for one account now, through the limiter (joins a cycle already running for it).
   * `force` logs in even when a stored token looks valid (Upstox refused it, e.g. the proxy saw a 401).
   */
  refreshNow(account: string, reason: string, options?: RefreshNowOptions): Promise<AccountResult>;
  /** The last stored or served result of an account, kept in the state folder across restarts. */
  lastRefresh(account: string): LastRefresh | null;
  /** The start-up catch-up (scheduled mode); resolves once every account has had its first cycle. */
  readonly caughtUp: Promise<RunSummary> | null;
  /** The newest stored record of an account (holds its token; never log it): what the proxy injects. */
  storedRecord(account: string): Promise<TokenRecord | null>;
  /** The names of the sinks an account's token is written to (the status page). */
  sinkNames(account: string): string[];
  /** The account's sinks that do not hold its newest token yet; the engine retries them (no new login). */
  laggingSinks(account: string): LaggingSinkStatus[];
  /** The sinks whose start-up check (a throwaway write) failed for the config in use; not fatal. */
  sinkCheckFailures(): { sink: string; message: string }[];
  /** Re-reads the config; an invalid one leaves the daemon running on the old one. */
  reload(configPath?: string): Promise<ReloadResult>;
  /** Resolves when no refresh cycle is running (tests, and callers that want a quiet moment). */
  idle(): Promise<void>;
  /** Stops scheduling, aborts logins in flight, closes sinks and locks. Safe to call twice. */
  stop(): Promise<void>;
  /** Fleet mode: the shared queue's state (any daemon shows the whole fleet); null when not in fleet mode. */
  fleetState(): Promise<FleetState | null>;
}

/**
 * Validates the config, creates and checks every sink, then (unless `schedule: false`) catches up and follows
 * the schedule. Throws ConfigError (exit 2) before anything runs; a sink that cannot be written at start
 * (Redis not up yet) is logged and caught up once the first token exists and it answers.
 */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<Daemon> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  let configPath = options.configPath;
  const load = async (path: string | undefined): Promise<DaemonConfig> => {
    const loaded =
      options.config && path === options.configPath
        ? options.config
        : await loadConfigFile({
            path,
            cwd: options.cwd ?? process.cwd(),
            env: typeof options.env === "function" ? options.env() : (options.env ?? process.env),
            envFile: options.envFile,
            logger,
          });
    return options.transformConfig ? options.transformConfig(loaded) : loaded;
  };
  const deps = {
    clock,
    fetch: options.fetch ?? globalThis.fetch,
    sleep: options.sleep ?? ((ms: number, signal: AbortSignal) => sleepOn(systemClock, ms, signal)),
    random: options.random ?? Math.random,
    logger,
    builtins: options.builtins ?? builtinSinks,
    pinStepFor: (account: string) => pinSteps.get(account),
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
  };
  const pinSteps = new Map<string, PinStep>();

  const resources = await prepareResources(await load(configPath), deps);
  const runner = new DaemonRunner(resources, deps);
  await runner.loadLastRefresh();
  // Fleet mode (loaded only when configured): due accounts are enqueued on the shared queue, not run here.
  let fleet: FleetMode | undefined;
  try {
    fleet = resources.config.fleet
      ? await (await import("./fleet-mode.js")).startFleetMode({
          runner,
          logger,
          now: () => clock.now(),
          pinSteps,
        })
      : undefined;
  } catch (error) {
    await closeResources(resources);
    throw error;
  }
  const scheduler = new Scheduler({
    clock,
    onDue: (accounts) => {
      if (fleet) void enqueueDue(fleet, accounts);
      else for (const account of accounts) void runner.runAccount(account, "scheduled");
    },
  });
  const enqueueDue = async (mode: FleetMode, accounts: string[]) => {
    await mode.enqueue(accounts).catch((e) => logger.warn({ err: String(e) }, "fleet: enqueue failed"));
    for (const account of accounts) await mode.retry(account).catch(() => false);
  };
  const scheduled = options.schedule !== false;
  if (scheduled) {
    runner.attachScheduler(scheduler);
    scheduler.start();
    fleet?.start();
  }
  // Every daemon of a fleet schedules every account: whichever enqueues first, the job exists once.
  const scheduleFleet = () => {
    for (const account of runner.config.accounts)
      scheduler.set(account.name, nextRunAt(account.schedule, account.name, clock.now()));
  };
  logger.info(
    {
      config: resources.config.file,
      accounts: resources.config.accounts.length,
      sinks: resources.sinks.all().map((s) => s.name),
      lock: resources.config.lock.use,
      concurrency: resources.config.concurrency,
      mode: scheduled ? "schedule" : "manual",
    },
    "daemon ready",
  );
  const catchUp = async (): Promise<RunSummary> => {
    if (!fleet) return runner.runAll("catch-up");
    scheduleFleet();
    await fleet.enqueue();
    return { ok: true, accounts: [] };
  };
  const caughtUp = scheduled ? catchUp() : null;

  let stopping: Promise<void> | undefined;
  let reloading: Promise<ReloadResult> | undefined;

  const reload = async (path?: string): Promise<ReloadResult> => {
    if (stopping) return { ok: false, error: new Error("the daemon is stopping") };
    const target = path ?? configPath;
    let next: RunnerResources;
    try {
      next = await prepareResources(await load(target), deps);
    } catch (error) {
      logger.error(
        {
          err: error instanceof Error ? error.message : String(error),
          hint: (error as { hint?: string }).hint,
        },
        "config reload failed; still running on the previous config",
      );
      return { ok: false, error };
    }
    if (stopping) {
      await closeResources(next);
      return { ok: false, error: new Error("the daemon is stopping") };
    }
    configPath = target;
    scheduler.clear();
    await runner.swap(next);
    scheduler.clear();
    logger.info({ config: next.config.file, accounts: next.config.accounts.length }, "config reloaded");
    if (scheduled) void catchUp();
    return { ok: true, config: next.config };
  };

  return {
    events: runner.events,
    tokens: runner.tokens,
    inFlight: (account: string) => runner.inFlight(account),
    get config() {
      return runner.config;
    },
    caughtUp,
    status: () => runner.status(),
    storedRecord: (account: string) => runner.storedRecord(account),
    sinkNames: (account: string) => runner.sinkNames(account),
    laggingSinks: (account: string) => runner.laggingSinks(account),
    sinkCheckFailures: () => runner.sinkCheckFailures(),
    runOnce: (reason = "manual") => (fleet ? fleet.runDay() : runner.runAll(reason)),
    fleetState: async () => (fleet ? fleet.state() : null),
    refreshNow: (account, reason, refreshOptions) => runner.refreshNow(account, reason, refreshOptions),
    lastRefresh: (account) => runner.lastRefresh(account),
    idle: async () => {
      await runner.settle();
    },
    reload: (path?: string) => {
      // One reload at a time; a second SIGHUP during one waits for it, then reloads again.
      const run = (reloading ?? Promise.resolve()).then(() => reload(path));
      reloading = run.finally(() => {
        if (reloading === run) reloading = undefined;
      });
      return run;
    },
    stop: () => {
      stopping ??= (async () => {
        scheduler.stop();
        // Fleet mode drains first: no new job is taken and the logins in flight end normally.
        await fleet
          ?.close()
          .catch((e) => logger.warn({ err: String(e) }, "fleet: closing the worker failed"));
        runner.abort();
        const settled = await runner.settle(options.stopGraceMs ?? 5_000);
        if (!settled) logger.warn({}, "some logins did not end in time; closing anyway");
        await runner.close();
        logger.info({}, "daemon stopped");
      })();
      return stopping;
    },
  };
}

export type { AccountResult, RunSummary };
