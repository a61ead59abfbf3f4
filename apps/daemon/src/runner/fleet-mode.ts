import { createHash, createHmac } from "node:crypto";
import { hostname } from "node:os";
import {
  ConfigError,
  isRecordUsable,
  type Logger,
  type PinState,
  UpstoxTokenError,
} from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import type { AccountResult, DaemonRunner, RunSummary } from "./daemon-runner.js";
import { fleetCycleResult } from "./fleet-outcome.js";

type FleetModule = typeof import("@upstox-token/fleet");
type Fleet = InstanceType<FleetModule["Fleet"]>;
export type FleetState = Awaited<ReturnType<Fleet["state"]>>;
export type PinStep = (state: PinState) => Promise<void>;

/** The daemon's side of fleet mode: it enqueues its accounts' jobs and works on the shared queue. */
export interface FleetMode {
  /** Starts working on the shared queue (a --dry-run never does). */
  start(): void;
  /** Adds the trading day's job of each account (existing ones are left alone: no double jobs). */
  enqueue(accounts?: string[]): Promise<void>;
  /** A failed job of the day runs again (after `retry.afterFailureMs`). */
  retry(account: string): Promise<boolean>;
  /** `--once`: enqueue, work, and resolve when every account's job of the day has an outcome. */
  runDay(): Promise<RunSummary>;
  state(): Promise<FleetState>;
  /** Drains: the worker takes no new job and waits for the jobs in flight (worker.close()). */
  close(): Promise<void>;
}

async function loadFleet(file: string | null): Promise<FleetModule> {
  try {
    return await import("@upstox-token/fleet");
  } catch (error) {
    throw new ConfigError(
      `${file ?? "config"}: "fleet" needs the optional package @upstox-token/fleet (${error instanceof Error ? error.message : String(error)})`,
      {
        hint: "Install it next to the daemon: bun add @upstox-token/fleet (it brings bullmq), or remove the fleet block.",
      },
    );
  }
}

/** A key for the account's Upstox user, for the OTP budget; Redis never sees the mobile number. */
function userKeyOf(config: DaemonConfig, name: string): string | undefined {
  const mobile = config.accounts.find((a) => a.name === name)?.upstox.mobile;
  return mobile ? createHash("sha256").update(`upstox-user:${mobile}`).digest("hex").slice(0, 24) : undefined;
}

export async function startFleetMode(options: {
  runner: DaemonRunner;
  logger: Logger;
  now: () => number;
  pinSteps: Map<string, PinStep>;
}): Promise<FleetMode> {
  const { runner, logger, now, pinSteps } = options;
  const settings = runner.config.fleet;
  if (!settings) throw new Error("fleet mode without a fleet block");
  const { Fleet } = await loadFleet(runner.config.file);
  const lockTtlMs = runner.config.lock.use === "redis" ? (runner.config.lock.ttlMs ?? 120_000) : 120_000;
  const fleet: Fleet = new Fleet({
    redisUrl: settings.redis,
    ...(settings.queue ? { queueName: settings.queue } : {}),
    holder: `${hostname()}:${process.pid}`,
    concurrency: settings.concurrency,
    loginsPerSecond: settings.loginsPerSecond,
    otpLimit: settings.otpLimit,
    jobLockMs: settings.jobLockMs,
    accountLockTtlMs: lockTtlMs,
    now,
    logger,
    accountLockHeld: (name) => runner.lockHeld(name),
    hasValidToken: async (name) => {
      const record = await runner.storedRecord(name).catch(() => null);
      return record !== null && isRecordUsable(record, now() + runner.config.marginMs);
    },
    // Keyed with the TOTP secret, which Redis never sees: the fingerprint says "this PIN was accepted" only.
    pinFingerprint: (name) => {
      const c = runner.config.accounts.find((a) => a.name === name)?.upstox;
      if (!c?.pin || !c.totpSecret) return null;
      return createHmac("sha256", c.totpSecret.reveal()).update(`pin:${c.pin.reveal()}`).digest("hex");
    },
    run: async (name, context) => {
      if (!runner.config.accounts.some((a) => a.name === name)) return { result: "not-here" };
      pinSteps.set(name, context.onPinStep);
      try {
        return fleetCycleResult(await runner.runAccount(name, "scheduled"));
      } finally {
        pinSteps.delete(name);
      }
    },
  });
  const names = () => runner.config.accounts.map((a) => a.name);
  const enqueue = async (accounts = names()) => {
    await fleet.enqueue(accounts.map((account) => ({ account, userKey: userKeyOf(runner.config, account) })));
    logger.info({ accounts: accounts.length }, "fleet: jobs of the trading day enqueued");
  };
  return {
    start: () => fleet.start(),
    enqueue,
    retry: (account) => fleet.retry(account),
    state: () => fleet.state(),
    close: () => fleet.close(),
    runDay: async () => {
      fleet.start();
      await enqueue();
      const outcomes = await fleet.waitForDay(names());
      const holder = `${hostname()}:${process.pid}`;
      const accounts = await Promise.all(
        outcomes.map(async (o): Promise<AccountResult> => {
          if (o.state !== "completed") {
            const held = o.state === "held";
            const error = new UpstoxTokenError(held ? "LOCK_FAILED" : "UPSTOX_API", o.reason ?? "failed", {
              hint: held
                ? "A worker died during this account's login and the sweeper will not send its PIN again: check the account, then run --once."
                : "See the log of the daemon that ran this account's job (the status page names it).",
            });
            // Held: a person must look (the sweeper will not send the PIN again), so the engine's "permanent".
            return {
              account: o.account,
              result: "failed",
              error,
              attempts: 0,
              permanent: held,
              reason: "fleet job",
            };
          }
          const record = await runner.storedRecord(o.account).catch(() => null);
          if (!record) {
            const error = new UpstoxTokenError(
              "SINK_NOT_FOUND",
              "the job completed but this daemon's sinks hold no token",
              {
                hint: "The daemons of a fleet must share their sinks (e.g. one Redis sink): a token stored on another machine's file is not seen here.",
              },
            );
            return {
              account: o.account,
              result: "failed",
              error,
              attempts: 0,
              permanent: false,
              reason: "no token in the sinks",
            };
          }
          if (!o.loggedIn) return { account: o.account, result: "served", record };
          return {
            account: o.account,
            result: "refreshed",
            record,
            loggedIn: o.by === holder,
            attempts: 1,
            sinks: [],
          };
        }),
      );
      return { ok: accounts.every((a) => a.result === "refreshed" || a.result === "served"), accounts };
    },
  };
}
