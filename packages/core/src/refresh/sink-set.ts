import type { BackoffPolicy } from "../backoff.js";
import { UpstoxTokenError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { TokenRecord } from "../record.js";
import type { TokenSink } from "../sink.js";
import { type SinkOutcome, writeToSinks } from "../sink-fanout.js";

/** Per-sink write retries after a login: bounded and jittered, separate from the login's backoff. */
export const defaultSinkWriteRetry: BackoffPolicy = { attempts: 4, baseMs: 250, maxMs: 5_000 };

export interface StoredView {
  /** The newest record across the readable sinks (highest generation), valid or not. */
  newest: TokenRecord | null;
  /** What each readable sink held (null: nothing, or its read failed). */
  held: Map<TokenSink, TokenRecord | null>;
}

/**
 * One account's sinks for the engine: one read of every readable sink per check, parallel writes with
 * per-sink retries, and bringing sinks that lag behind the newest record up to date.
 */
export class AccountSinks {
  readonly #sinks: readonly TokenSink[];
  readonly #logger: Logger;
  /** The highest generation written through this object: sinks that cannot read are synced up to it. */
  #seenGeneration = 0;

  constructor(sinks: readonly TokenSink[], logger: Logger) {
    this.#sinks = sinks;
    this.#logger = logger;
  }

  get sinks(): readonly TokenSink[] {
    return this.#sinks;
  }

  async read(account: string): Promise<StoredView> {
    const held = new Map<TokenSink, TokenRecord | null>();
    await Promise.all(
      this.#sinks.map(async (sink) => {
        if (!sink.read) return;
        try {
          held.set(sink, (await sink.read(account)) ?? null);
        } catch (error) {
          held.set(sink, null);
          this.#logger.warn(
            { sink: sink.name, account, err: errorText(error) },
            "sink read failed; ignoring it",
          );
        }
      }),
    );
    let newest: TokenRecord | null = null;
    for (const record of held.values())
      if (record && (!newest || record.generation > newest.generation)) newest = record;
    return { newest, held };
  }

  /** Writes a new record to every sink in parallel; one slow or failing sink never holds the others back. */
  async writeAll(record: TokenRecord, retry: BackoffPolicy, attemptTimeoutMs?: number) {
    this.#seenGeneration = Math.max(this.#seenGeneration, record.generation);
    return writeToSinks([...this.#sinks], record, {
      retry,
      logger: this.#logger,
      ...(attemptTimeoutMs !== undefined ? { attemptTimeoutMs } : {}),
    });
  }

  /**
   * Writes `record` to the sinks that do not hold it yet: readable sinks holding an older generation (or
   * nothing), and sinks that cannot read when this object has not written this generation yet.
   */
  async syncLagging(
    record: TokenRecord,
    view: StoredView,
    retry: BackoffPolicy,
    skip: (sink: TokenSink) => boolean = () => false,
  ): Promise<{ synced: string[]; outcomes: SinkOutcome[] }> {
    const behind = this.#sinks.filter((sink) => {
      if (skip(sink)) return false;
      if (!sink.read) return record.generation > this.#seenGeneration;
      const held = view.held.get(sink);
      return !held || held.generation < record.generation;
    });
    this.#seenGeneration = Math.max(this.#seenGeneration, record.generation);
    if (behind.length === 0) return { synced: [], outcomes: [] };
    const outcomes = await writeToSinks(behind, record, { retry, logger: this.#logger });
    return { synced: outcomes.filter((o) => o.ok).map((o) => o.sink), outcomes };
  }
}

function errorText(error: unknown): string {
  if (error instanceof UpstoxTokenError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
