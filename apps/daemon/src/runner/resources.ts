import type { AccountLock, BuiltinSinks, Logger } from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import type { Clock } from "./clock.js";
import { ConfiguredSinks } from "./configured-sinks.js";
import { createAccountLock } from "./create-lock.js";
import { pacedFetch } from "./paced-fetch.js";

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
}

/** The resources built from one config: created (and checked) before a config is used, closed after. */
export interface RunnerResources {
  config: DaemonConfig;
  sinks: ConfiguredSinks;
  lock: AccountLock;
  fetch: typeof fetch;
}

export async function prepareResources(config: DaemonConfig, deps: RunnerDeps): Promise<RunnerResources> {
  const sinks = await ConfiguredSinks.create(config, { builtins: deps.builtins, logger: deps.logger });
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
