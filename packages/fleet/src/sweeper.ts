import { type Logger, silentLogger } from "@upstox-token/core";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { KEEP_FINISHED, STALLED_REASON } from "./fleet-keys.js";
import type { PinLedger } from "./pin-ledger.js";
import type { FleetJobData } from "./types.js";

/** What the sweeper decided about a dead worker's job. */
export type SweepVerdict =
  | "re-enqueued"
  | "token-present"
  | "held: the PIN was refused"
  | "held: the PIN's answer was lost and this PIN was never accepted";

export interface SweeperOptions {
  queue: Queue<FleetJobData>;
  redis: Redis;
  prefix: string;
  ledger: PinLedger;
  accountLockTtlMs: number;
  intervalMs: number;
  now: () => number;
  logger?: Logger | undefined;
  hasValidToken: (account: string) => Promise<boolean>;
  accountLockHeld?: ((account: string) => Promise<boolean>) | undefined;
  pinFingerprint?: ((account: string) => string | null) | undefined;
}

/**
 * Decides, once per dead cycle, whether an account whose worker died may be refreshed again. BullMQ does not re-run
 * a stalled job here (maxStalledCount 0 fails it); this waits out the engine's account-lock TTL (so the dead
 * cycle's lock is gone), then re-enqueues only an account that still holds no valid token, and only when the
 * dead cycle's PIN state allows another login: not sent, or accepted (or sent with no answer read, when this very
 * PIN was accepted for the account before). A refused PIN is never sent again. One daemon sweeps at a time.
 */
export class Sweeper {
  readonly #o: SweeperOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: SweeperOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.#running ??= this.sweep()
        .then(() => {})
        .catch((error: unknown) =>
          (this.#o.logger ?? silentLogger).warn({ err: String(error) }, "fleet sweep failed; next time"),
        )
        .finally(() => {
          this.#running = undefined;
        });
    }, this.#o.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async verdict(jobId: string): Promise<string | null> {
    return this.#o.redis.get(`${this.#o.prefix}swept:${jobId}`);
  }

  /** One pass over the failed jobs; returns the verdicts it reached. */
  async sweep(): Promise<Map<string, SweepVerdict>> {
    const o = this.#o;
    const verdicts = new Map<string, SweepVerdict>();
    const lockKey = `${o.prefix}sweeper`;
    const mine = await o.redis.set(lockKey, String(process.pid), "PX", Math.max(o.intervalMs, 5_000), "NX");
    if (mine !== "OK") return verdicts;
    try {
      const failed = await o.queue.getFailed(0, 999);
      for (const job of failed) {
        if (!job?.id || job.failedReason !== STALLED_REASON) continue;
        if ((job.finishedOn ?? 0) + o.accountLockTtlMs > o.now()) continue;
        if (await this.verdict(job.id)) continue;
        // BullMQ may take a slow worker for dead: while its cycle still holds the account's lock, wait.
        if (await o.accountLockHeld?.(job.data.account).catch(() => true)) continue;
        const { verdict, pin } = await this.#decide(job.id, job.data);
        verdicts.set(job.id, verdict);
        (o.logger ?? silentLogger)[
          verdict === "re-enqueued" || verdict === "token-present" ? "info" : "error"
        ](
          { account: job.data.account, job: job.id, pin, verdict },
          "fleet: a worker died during this account's cycle",
        );
        await o.redis
          .multi()
          .lpush(`${o.prefix}sweep-log`, JSON.stringify({ job: job.id, pin, verdict, at: o.now() }))
          .ltrim(`${o.prefix}sweep-log`, 0, 999)
          .exec();
        if (verdict === "re-enqueued") {
          await job.remove();
          await o.queue.add("refresh", job.data, {
            jobId: job.id,
            removeOnComplete: KEEP_FINISHED,
            removeOnFail: KEEP_FINISHED,
          });
        } else {
          await o.redis.set(`${o.prefix}swept:${job.id}`, verdict, "EX", 3 * 24 * 3600);
        }
      }
    } finally {
      await o.redis.del(lockKey);
    }
    return verdicts;
  }

  async #decide(jobId: string, data: FleetJobData): Promise<{ verdict: SweepVerdict; pin: string }> {
    const o = this.#o;
    const record = await o.ledger.read(jobId);
    const pin = record?.state ?? "not-sent";
    if (await o.hasValidToken(data.account)) return { verdict: "token-present", pin };
    if (pin === "not-sent" || pin === "accepted") return { verdict: "re-enqueued", pin };
    if (pin === "refused") return { verdict: "held: the PIN was refused", pin };
    const fingerprint = o.pinFingerprint?.(data.account);
    if (fingerprint && (await o.ledger.knownGood(data.account, fingerprint)))
      return { verdict: "re-enqueued", pin };
    return { verdict: "held: the PIN's answer was lost and this PIN was never accepted", pin };
  }

  /** The sweeper's decisions, newest first (at most 1000). */
  async log(): Promise<{ job: string; pin: string; verdict: SweepVerdict; at: number }[]> {
    const rows = await this.#o.redis.lrange(`${this.#o.prefix}sweep-log`, 0, -1);
    return rows.map((row) => JSON.parse(row));
  }
}
