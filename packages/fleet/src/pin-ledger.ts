import type { Redis } from "ioredis";

/** What happened to the PIN in a job's cycle, as recorded in Redis before and after the PIN step. */
export type LedgerPinState = "not-sent" | "sent" | "accepted" | "refused";

export interface PinRecord {
  state: LedgerPinState;
  /** Which daemon (host:pid) ran the cycle. */
  holder: string;
  at: number;
}

const KEEP_SECONDS = 3 * 24 * 3600;

/**
 * The PIN state of every job's cycle, in Redis (`<prefix>pin:<jobId>`), and per account the fingerprint of the
 * last PIN Upstox accepted (`<prefix>pin-ok:<account>`). The fingerprint is the caller's (an HMAC keyed with a
 * secret Redis never sees), so Redis holds nothing a PIN can be recovered from.
 */
export class PinLedger {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async record(jobId: string, state: LedgerPinState, holder: string, at: number): Promise<void> {
    const key = `${this.#prefix}pin:${jobId}`;
    await this.#redis
      .multi()
      .hset(key, { state, holder, at: String(at) })
      .expire(key, KEEP_SECONDS)
      .exec();
  }

  async read(jobId: string): Promise<PinRecord | null> {
    const raw = await this.#redis.hgetall(`${this.#prefix}pin:${jobId}`);
    if (!raw.state) return null;
    return { state: raw.state as LedgerPinState, holder: raw.holder ?? "", at: Number(raw.at ?? 0) };
  }

  async rememberAccepted(account: string, fingerprint: string): Promise<void> {
    await this.#redis.set(`${this.#prefix}pin-ok:${account}`, fingerprint);
  }

  async knownGood(account: string, fingerprint: string): Promise<boolean> {
    return (await this.#redis.get(`${this.#prefix}pin-ok:${account}`)) === fingerprint;
  }
}
