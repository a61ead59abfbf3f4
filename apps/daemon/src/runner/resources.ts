import {
  type AccountLock,
  type BuiltinSinks,
  defaultStateDir,
  type Logger,
  type PinState,
} from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import type { Clock } from "./clock.js";
import { ConfiguredSinks } from "./configured-sinks.js";
import { createAccountLock } from "./create-lock.js";
import { pacedFetch } from "./paced-fetch.js";
import { checkTokenRequestIdentity } from "./user-identity-check.js";

export interface RunnerDeps {
  clock: Clock;
  fetch: typeof fetch;
  /** Backoff waits between login attempts; resolves early when the signal aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  logger: Logger;
  builtins: BuiltinSinks;
  /** The state folder (last-refresh.json per Upstox user); default UPSTOX_STATE_DIR or the XDG one. */
  stateDir?: string;
  /** Runs once the runner has been idle for a while after a burst; default a full garbage collection. */
  collectGarbage?: () => void;
  /** Fleet mode: where an account's PIN step is reported during its current job (runner/fleet-mode.ts). */
  pinStepFor?: (account: string) => ((state: PinState) => Promise<void>) | undefined;
}

/** The resources built from one config: created (and checked) before a config is used, closed after. */
export interface RunnerResources {
  config: DaemonConfig;
  sinks: ConfiguredSinks;
  lock: AccountLock;
  fetch: typeof fetch;
  /** The sinks whose start-up check failed (not fatal: the engine catches them up), for --dry-run. */
  sinkCheckFailures: { sink: string; message: string }[];
  /** The state folder (UPSTOX_STATE_DIR): what every process of each Upstox user shares. */
  stateDir: string;
}

export async function prepareResources(config: DaemonConfig, deps: RunnerDeps): Promise<RunnerResources> {
  const stateDir = deps.stateDir ?? defaultStateDir();
  checkTokenRequestIdentity(config, stateDir, deps.logger);
  const sinks = await ConfiguredSinks.create(config, { builtins: deps.builtins, logger: deps.logger });
  // Only a config error is fatal. A sink that cannot be written now (Redis not up yet, a mount not there)
  // is named and the daemon runs: the engine writes the sinks that work and catches this one up later.
  const sinkCheckFailures: RunnerResources["sinkCheckFailures"] = [];
  for (const { sink, error } of await sinks.check()) {
    sinkCheckFailures.push({
      sink: sink.name,
      message: error instanceof Error ? error.message : String(error),
    });
    deps.logger.error(
      { sink: sink.name, err: error instanceof Error ? error.message : String(error), hint: hintOf(error) },
      `sink ${sink.name} cannot be written now; the daemon runs and catches it up when it answers`,
    );
  }
  const lock = await createAccountLock(config.lock, { baseDir: config.baseDir, logger: deps.logger });
  return { config, sinks, lock, fetch: pacedFetch(deps.fetch, config.pace), sinkCheckFailures, stateDir };
}

function hintOf(error: unknown): string | undefined {
  const hint = (error as { hint?: unknown } | null)?.hint;
  return typeof hint === "string" ? hint : undefined;
}

export async function closeResources(resources: RunnerResources): Promise<void> {
  await Promise.allSettled([resources.sinks.close(), resources.lock.close?.()]);
}
