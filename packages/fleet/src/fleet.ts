import { type Logger, silentLogger } from "@upstox-token/core";
import { DelayedError, type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { DEFAULT_PREFIX, DEFAULT_QUEUE, KEEP_FINISHED, STALLED_REASON } from "./fleet-keys.js";
import { type FleetState, readFleetState } from "./fleet-state.js";
import { OtpBudget } from "./otp-budget.js";
import { PinLedger } from "./pin-ledger.js";
import { Sweeper } from "./sweeper.js";
import { jobIdFor, tradingDay } from "./trading-day.js";
import type { CycleResult, FleetJobData, FleetOptions } from "./types.js";

/** A job finished for the day: done, failed for a reason of its own, or a dead cycle the sweeper decided about. */
export interface DayOutcome {
  account: string;
  state: "completed" | "failed" | "held";
  reason?: string;
  /** A completed job: whether its cycle logged in, and which daemon ran it. */
  loggedIn?: boolean;
  by?: string;
}

/** When a daemon without the account (a config rollout in progress) hands a job back. */
const NOT_HERE_DELAY_MS = 5_000;

/**
 * One daemon's part of the fleet: it enqueues each account's refresh of the trading day as one BullMQ job (the id
 * is the account and the day, so every daemon may enqueue it and it exists once) and works on the queue with its
 * concurrency. A job is one engine cycle; BullMQ never re-runs a stalled one (maxStalledCount 0), the sweeper
 * decides instead.
 */
export class Fleet {
  readonly #o: FleetOptions;
  readonly #prefix: string;
  readonly #redis: Redis;
  readonly #queue: Queue<FleetJobData>;
  readonly #ledger: PinLedger;
  readonly #budget: OtpBudget | null;
  readonly #sweeper: Sweeper;
  #worker: Worker<FleetJobData> | undefined;
  /** BullMQ leaves connections it was given open at close(): these are closed here. */
  readonly #connections: Redis[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: FleetOptions) {
    this.#o = options;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.#queue = new Queue<FleetJobData>(options.queueName ?? DEFAULT_QUEUE, {
      connection: this.#connection(),
    });
    // Redis away for a while is not fatal: BullMQ and ioredis reconnect; an unheard "error" event would be.
    this.#queue.on("error", (error) => this.#log.warn({ err: String(error) }, "fleet queue: Redis error"));
    this.#redis.on("error", () => {});
    this.#ledger = new PinLedger(this.#redis, this.#prefix);
    this.#budget = options.otpLimit ? new OtpBudget(this.#redis, this.#prefix, options.otpLimit) : null;
    this.#sweeper = new Sweeper({
      queue: this.#queue,
      redis: this.#redis,
      prefix: this.#prefix,
      ledger: this.#ledger,
      accountLockTtlMs: options.accountLockTtlMs,
      intervalMs: options.sweepIntervalMs ?? 5_000,
      now: this.#now,
      logger: options.logger,
      hasValidToken: options.hasValidToken,
      accountLockHeld: options.accountLockHeld,
      pinFingerprint: options.pinFingerprint,
    });
  }

  #connection(): Redis {
    const connection = new Redis(this.#o.redisUrl, { maxRetriesPerRequest: null });
    connection.on("error", () => {});
    this.#connections.push(connection);
    return connection;
  }

  get #now(): () => number {
    return this.#o.now ?? Date.now;
  }

  get #log(): Logger {
    return this.#o.logger ?? silentLogger;
  }

  get sweeper(): Sweeper {
    return this.#sweeper;
  }

  /** Starts working on the queue (and sweeping). */
  start(): void {
    if (this.#worker) return;
    const o = this.#o;
    this.#worker = new Worker<FleetJobData>(
      o.queueName ?? DEFAULT_QUEUE,
      (job, token) => this.#process(job, token),
      {
        connection: new Redis(o.redisUrl, { maxRetriesPerRequest: null }),
        name: o.holder,
        concurrency: o.concurrency,
        // Exactly once: a stalled job is failed, never moved back to wait for a second run (see the README).
        maxStalledCount: 0,
        lockDuration: o.jobLockMs ?? 30_000,
        stalledInterval: o.stalledIntervalMs ?? 15_000,
        ...(o.loginsPerSecond
          ? { limiter: { max: Math.max(1, Math.round(o.loginsPerSecond)), duration: 1000 } }
          : {}),
      },
    );
    this.#worker.on("error", (error) => this.#log.warn({ err: String(error) }, "fleet worker: Redis error"));
    this.#sweeper.start();
  }

  /** Adds today's (or `day`'s) job of each account; jobs that exist already are left as they are. */
  async enqueue(
    accounts: { account: string; userKey?: string | undefined }[],
    day = tradingDay(this.#now()),
  ): Promise<void> {
    await this.#queue.waitUntilReady();
    await this.#queue.addBulk(
      accounts.map(({ account, userKey }) => ({
        name: "refresh",
        data: { account, day, ...(userKey ? { userKey } : {}) },
        opts: { jobId: jobIdFor(account, day), removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED },
      })),
    );
  }

  /** A failed job of the day (not a dead worker's: the sweeper owns those) runs again; false when there is none. */
  async retry(account: string, day = tradingDay(this.#now())): Promise<boolean> {
    const job = await this.#queue.getJob(jobIdFor(account, day));
    if (!job || job.failedReason === STALLED_REASON || !(await job.isFailed())) return false;
    await job.retry("failed").catch(() => {});
    return true;
  }

  /**
   * Resolves once every listed account's job of the day has an outcome (`--once`). Cheap while work is left: it
   * polls the queue's counts and looks at single jobs only when nothing waits or runs (or every 20th poll), and
   * then only at the jobs not yet finished.
   */
  async waitForDay(accounts: string[], day = tradingDay(this.#now()), pollMs = 250): Promise<DayOutcome[]> {
    // One wait for the connection first: many commands issued while it connects each add listeners to it.
    await this.#queue.waitUntilReady();
    const done = new Map<string, DayOutcome>();
    for (let poll = 0; ; poll++) {
      const counts = await this.#queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      const busy = (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0);
      if (busy === 0 || poll % 20 === 0) {
        const pending = accounts.filter((a) => !done.has(a));
        for (let i = 0; i < pending.length; i += 200) {
          const batch = pending.slice(i, i + 200);
          const outcomes = await Promise.all(batch.map((account) => this.#dayOutcome(account, day)));
          for (const outcome of outcomes) if (outcome) done.set(outcome.account, outcome);
        }
        if (done.size === accounts.length) return accounts.map((a) => done.get(a) as DayOutcome);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async #dayOutcome(account: string, day: string): Promise<DayOutcome | null> {
    const job = await this.#queue.getJob(jobIdFor(account, day));
    if (!job) return null;
    const state = await job.getState();
    if (state === "completed") {
      const value = (job.returnvalue ?? {}) as { loggedIn?: boolean; by?: string };
      return { account, state, loggedIn: value.loggedIn === true, ...(value.by ? { by: value.by } : {}) };
    }
    if (state !== "failed") return null;
    if (job.failedReason !== STALLED_REASON) return { account, state, reason: job.failedReason };
    const verdict = await this.#sweeper.verdict(job.id ?? "");
    if (verdict === "token-present") return { account, state: "completed" };
    return verdict ? { account, state: "held", reason: verdict } : null;
  }

  state(): Promise<FleetState> {
    return readFleetState(this.#queue, this.#redis, this.#prefix, this.#o.holder);
  }

  /** Drains: no new job is taken, the jobs in flight end (worker.close()), then Redis is closed. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#sweeper.stop();
      await this.#worker?.close();
      await this.#worker?.disconnect();
      await this.#queue.close();
      this.#redis.disconnect();
      for (const connection of this.#connections) connection.disconnect();
    })();
    return this.#closing;
  }

  async #process(
    job: Job<FleetJobData>,
    token: string | undefined,
  ): Promise<{ loggedIn: boolean; by: string }> {
    const o = this.#o;
    const { account, userKey } = job.data;
    const jobId = job.id ?? jobIdFor(account, job.data.day);
    if (this.#budget && userKey && !(await o.hasValidToken(account))) {
      const nextFree = await this.#budget.take(userKey, this.#now(), jobId);
      if (nextFree > 0) return this.#delay(job, token, nextFree, "the Upstox user's OTP budget is spent");
    }
    await this.#ledger.record(jobId, "not-sent", o.holder, this.#now());
    const result: CycleResult = await o.run(account, {
      jobId,
      onPinStep: async (state) => {
        await this.#ledger.record(jobId, state, o.holder, this.#now());
        const fingerprint = state === "accepted" ? o.pinFingerprint?.(account) : null;
        if (fingerprint) await this.#ledger.rememberAccepted(account, fingerprint).catch(() => {});
      },
    });
    switch (result.result) {
      case "ok":
        return { loggedIn: result.loggedIn, by: o.holder };
      case "rate-limited":
        return this.#delay(job, token, result.retryAt, "Upstox asked to wait");
      case "not-here":
        return this.#delay(job, token, this.#now() + NOT_HERE_DELAY_MS, "not in this daemon's config");
      case "failed":
        throw new Error(`cycle failed: ${result.code}: ${result.message}`);
    }
  }

  async #delay(job: Job<FleetJobData>, token: string | undefined, at: number, why: string): Promise<never> {
    this.#log.info(
      { account: job.data.account, until: new Date(at).toISOString(), why },
      "fleet: job delayed",
    );
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }
}
