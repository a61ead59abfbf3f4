import type { Logger, PinState } from "@upstox-token/core";
import type { OtpLimit } from "./otp-budget.js";

export interface FleetJobData {
  account: string;
  day: string;
  /** The Upstox user the account logs in as (a hash, never the mobile number): its OTP budget's key. */
  userKey?: string | undefined;
}

/** What the fleet gives one job's cycle: the PIN step's listener writes the ledger before the PIN leaves. */
export interface CycleContext {
  jobId: string;
  onPinStep: (state: PinState) => Promise<void>;
}

/** How one engine cycle ended, as the fleet needs it. */
export type CycleResult =
  | { result: "ok"; loggedIn: boolean }
  | { result: "rate-limited"; retryAt: number }
  | { result: "failed"; code: string; message: string }
  /** This daemon's config does not hold the account (a rollout in progress): another daemon takes it. */
  | { result: "not-here" };

export interface FleetOptions {
  /** redis:// or rediss:// URL; every daemon of the fleet uses the same. */
  redisUrl: string;
  /** Key prefix of the fleet's own keys (PIN ledger, OTP budget, sweeper). Default "upstox-token:fleet:". */
  prefix?: string;
  /** The BullMQ queue's name. Default "upstox-token-refresh". */
  queueName?: string;
  /** This daemon, as the status shows it (host:pid). */
  holder: string;
  /** Jobs this daemon works on at once. */
  concurrency: number;
  /** Fleet-wide logins started per second (BullMQ's global rate limiter); unset: no limit. */
  loginsPerSecond?: number | undefined;
  /** Fleet-wide OTP generates per Upstox user; null: none kept. */
  otpLimit?: OtpLimit | null | undefined;
  /** BullMQ's job lock: a worker silent this long is taken for dead. Default 30000. */
  jobLockMs?: number | undefined;
  /** How often workers look for stalled jobs. Default 15000. */
  stalledIntervalMs?: number | undefined;
  /** The engine's account-lock TTL: the sweeper decides about a dead cycle only after it. */
  accountLockTtlMs: number;
  /** How often the sweeper looks at stalled jobs. Default 5000. */
  sweepIntervalMs?: number | undefined;
  now?: () => number;
  logger?: Logger | undefined;
  /** Runs one engine cycle for the account. */
  run: (account: string, context: CycleContext) => Promise<CycleResult>;
  /**
   * Whether someone holds the account's engine lock now (e.g. `lock.holder(account) !== null`). The sweeper waits
   * while it is held: a worker BullMQ took for dead may still be running its cycle. Without it, the TTL alone.
   */
  accountLockHeld?: ((account: string) => Promise<boolean>) | undefined;
  /** Whether the account holds a token valid for the margin in its sinks. */
  hasValidToken: (account: string) => Promise<boolean>;
  /** A fingerprint of the account's configured PIN (HMAC keyed with a secret Redis never sees), or null. */
  pinFingerprint?: ((account: string) => string | null) | undefined;
}
