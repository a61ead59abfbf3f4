import { SinkError, UpstoxTokenError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { TokenRecord } from "../record.js";
import type { TokenSink } from "../sink.js";
import type { SinkOutcome } from "../sink-fanout.js";
import type { RefreshEvent } from "./events.js";

/** How a sink that missed a token is caught up, and how often the sinks that have it are read back. */
export interface CatchUpPolicy {
  /** First retry after this long (the delay doubles per failure, with jitter). */
  baseMs: number;
  /** No retry is further away than this: a sink that returns gets the token within this long. */
  maxMs: number;
  /** Readable sinks are read back this often while a token is held; one that lost it is written again. */
  checkEveryMs: number;
  /** One catch-up write (or read) that has not settled after this long counts as failed. */
  attemptTimeoutMs: number;
}

export const defaultCatchUp: CatchUpPolicy = {
  baseMs: 1_000,
  maxMs: 60_000,
  checkEveryMs: 30_000,
  attemptTimeoutMs: 30_000,
};

/** A sink that does not hold the newest token this process has. */
export interface LaggingSink {
  sink: string;
  /** The generation it is being caught up to. */
  generation: number;
  error: UpstoxTokenError;
  /** When it was found lagging (epoch ms). */
  since: number;
  /** Catch-up attempts so far. */
  attempts: number;
  nextTryAt: number;
}

type CatchUpEvent = Extract<RefreshEvent, { type: "sink-lagging" | "sink-caught-up" }>;

export interface LaggingSinksOptions {
  account: string;
  policy?: Partial<CatchUpPolicy>;
  now: () => number;
  random?: () => number;
  logger: Logger;
  emit: (event: CatchUpEvent) => void;
}

interface Entry {
  record: TokenRecord;
  error: UpstoxTokenError;
  since: number;
  attempts: number;
  nextTryAt: number;
}

/**
 * One account's catch-up loop: a token that reached some sinks but not others is held here and written into
 * each lagging sink with capped, jittered backoff until it lands, hours later if need be; a newer token
 * supersedes the one being retried, and a sink holding a newer generation is never overwritten. While a
 * token is held, readable sinks are read back periodically, so a Redis that restarted empty gets it again.
 * Catch-up work and the engine's own writes run one at a time (`exclusive`). Timers never keep a process alive.
 */
export class LaggingSinks {
  readonly #sinks: readonly TokenSink[];
  readonly #o: LaggingSinksOptions;
  readonly #policy: CatchUpPolicy;
  readonly #entries = new Map<TokenSink, Entry>();
  #held: TokenRecord | null = null;
  #nextCheckAt = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(sinks: readonly TokenSink[], options: LaggingSinksOptions) {
    this.#sinks = sinks;
    this.#o = options;
    this.#policy = { ...defaultCatchUp, ...options.policy };
  }

  /** The sinks behind, in config order. */
  list(): LaggingSink[] {
    return this.#sinks.flatMap((sink) => {
      const e = this.#entries.get(sink);
      return e
        ? [
            {
              sink: sink.name,
              generation: e.record.generation,
              error: e.error,
              since: e.since,
              attempts: e.attempts,
              nextTryAt: e.nextTryAt,
            },
          ]
        : [];
    });
  }

  isLagging(sink: TokenSink): boolean {
    return this.#entries.has(sink);
  }

  /** Runs `work` with the account's sinks to itself: catch-up writes and the engine's writes never interleave. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * The newest token this process holds (null: none to keep, e.g. Upstox refused it). Lagging sinks are moved
   * on to it, and the periodic read-back watches for sinks that lose it.
   */
  hold(record: TokenRecord | null): void {
    if (record && this.#held && record.generation < this.#held.generation) return;
    this.#held = record;
    if (!record) {
      this.#entries.clear();
      this.#nextCheckAt = Number.POSITIVE_INFINITY;
      return;
    }
    for (const entry of this.#entries.values())
      if (entry.record.generation < record.generation) entry.record = record;
    this.#nextCheckAt = this.#o.now() + this.#policy.checkEveryMs;
    this.#schedule();
  }

  /** What an engine write of `record` did: a failed sink starts lagging, a written one has caught up. */
  report(record: TokenRecord, outcomes: readonly SinkOutcome[]): void {
    for (const outcome of outcomes) {
      const sink = this.#sinks.find((s) => s.name === outcome.sink);
      if (!sink) continue;
      if (outcome.ok) this.#caughtUp(sink, record);
      else this.#mark(sink, record, outcome.error);
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #mark(sink: TokenSink, record: TokenRecord, error: UpstoxTokenError): void {
    const now = this.#o.now();
    const existing = this.#entries.get(sink);
    const entry: Entry = existing ?? { record, error, since: now, attempts: 0, nextTryAt: now };
    if (entry.record.generation < record.generation) entry.record = record;
    entry.error = error;
    entry.nextTryAt = now + this.#delay(entry.attempts + 1);
    this.#entries.set(sink, entry);
    this.#o.emit({
      type: "sink-lagging",
      account: this.#o.account,
      sink: sink.name,
      error,
      generation: entry.record.generation,
      attempts: entry.attempts,
      nextTryAt: entry.nextTryAt,
      at: now,
    });
    this.#schedule();
  }

  #caughtUp(sink: TokenSink, record: TokenRecord): void {
    const entry = this.#entries.get(sink);
    if (!entry || entry.record.generation > record.generation) return;
    this.#entries.delete(sink);
    this.#o.emit({
      type: "sink-caught-up",
      account: this.#o.account,
      sink: sink.name,
      generation: record.generation,
      at: this.#o.now(),
    });
  }

  /** Equal jitter: between half and all of the capped doubling, so a retry is never immediate. */
  #delay(attempt: number): number {
    const { baseMs, maxMs } = this.#policy;
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(ceiling / 2 + (this.#o.random ?? Math.random)() * (ceiling / 2));
  }

  #schedule(): void {
    if (this.#closed) return;
    let at =
      this.#held && this.#held.expiresAt > this.#o.now() ? this.#nextCheckAt : Number.POSITIVE_INFINITY;
    for (const entry of this.#entries.values()) at = Math.min(at, entry.nextTryAt);
    if (!Number.isFinite(at) || (this.#timer && at >= this.#timerAt)) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        void this.exclusive(() => this.#tick()).finally(() => this.#schedule());
      },
      Math.max(0, at - this.#o.now()),
    );
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    const now = this.#o.now();
    if (now >= this.#nextCheckAt) await this.#readBack(now);
    for (const sink of this.#sinks) {
      const entry = this.#entries.get(sink);
      if (entry && entry.record.expiresAt <= this.#o.now()) {
        // An expired token is worth nothing to the sink: stop retrying it (the next login brings a new one).
        this.#entries.delete(sink);
        continue;
      }
      if (!entry || entry.nextTryAt > this.#o.now() || this.#closed) continue;
      await this.#retry(sink, entry);
    }
  }

  /** Sinks that hold the token are asked for it again; one that lost it (a restarted Redis) starts lagging. */
  async #readBack(now: number): Promise<void> {
    const held = this.#held;
    this.#nextCheckAt = now + this.#policy.checkEveryMs;
    if (!held || held.expiresAt <= now) return;
    for (const sink of this.#sinks) {
      if (!sink.read || this.#entries.has(sink)) continue;
      try {
        const stored = await this.#within(sink, sink.read(this.#o.account));
        if (holds(stored, held)) continue;
        const error = new SinkError(
          "SINK_FAILED",
          sink.name,
          `sink ${sink.name} no longer holds the token (${stored ? `generation ${stored.generation}` : "nothing stored"})`,
          { hint: "It lost its data (a restart without persistence?); the token is written again." },
        );
        this.#mark(sink, held, error);
        this.#entries.get(sink)!.nextTryAt = this.#o.now();
      } catch (caught) {
        this.#mark(sink, held, asSinkError(sink, caught));
      }
    }
  }

  async #retry(sink: TokenSink, entry: Entry): Promise<void> {
    const record = entry.record;
    entry.attempts++;
    try {
      if (sink.read) {
        // Never overwrite a newer generation (another process's token, or a logout's revocation).
        const stored = await this.#within(sink, sink.read(this.#o.account)).catch(() => null);
        if (holds(stored, record)) {
          this.#caughtUp(sink, record);
          return;
        }
      }
      await this.#within(sink, sink.write(record));
      this.#caughtUp(sink, record);
    } catch (caught) {
      this.#o.logger.debug(
        { sink: sink.name, account: this.#o.account, attempt: entry.attempts, err: String(caught) },
        "catch-up write failed",
      );
      if (this.#entries.get(sink) === entry) this.#mark(sink, record, asSinkError(sink, caught));
    }
  }

  #within<T>(sink: TokenSink, work: Promise<T>): Promise<T> {
    const ms = this.#policy.attemptTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new SinkError("SINK_FAILED", sink.name, `sink ${sink.name} did not answer within ${ms} ms`)),
        ms,
      );
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}

/** The sink holds this token or a newer one (a sink that keeps no generation is judged by the token itself). */
function holds(stored: TokenRecord | null, record: TokenRecord): boolean {
  if (!stored) return false;
  return (
    stored.generation >= record.generation || stored.accessToken.reveal() === record.accessToken.reveal()
  );
}

function asSinkError(sink: TokenSink, error: unknown): UpstoxTokenError {
  if (error instanceof UpstoxTokenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SinkError("SINK_FAILED", sink.name, `sink ${sink.name} failed: ${message}`, { cause: error });
}
