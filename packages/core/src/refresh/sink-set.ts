import type { BackoffPolicy } from "../backoff.js";
import { SinkError, UpstoxTokenError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { TokenRecord } from "../record.js";
import type { TokenSink } from "../sink.js";
import { asSinkError, type SinkOutcome, writeToSinks } from "../sink-fanout.js";

/** Per-sink write retries after a login: bounded and jittered, separate from the login's backoff. */
export const defaultSinkWriteRetry: BackoffPolicy = { attempts: 4, baseMs: 250, maxMs: 5_000 };

export interface StoredView {
  /** The newest record across the readable sinks (highest generation), valid or not. */
  newest: TokenRecord | null;
  /** What each readable sink held (null: nothing, or its read failed). */
  held: Map<TokenSink, TokenRecord | null>;
}

/**
 * The one reader of a sink: its record for the account, or null when it holds none or its read fails (logged,
 * then ignored: one broken sink never hides the others' tokens).
 */
export async function readSink(
  sink: TokenSink,
  account: string,
  logger: Logger,
): Promise<TokenRecord | null> {
  if (!sink.read) return null;
  try {
    return (await sink.read(account)) ?? null;
  } catch (error) {
    logger.warn(
      { sink: sink.name, account, err: asSinkError(sink, error).message },
      "sink read failed; ignoring it",
    );
    return null;
  }
}

/** The newest of some records (highest generation), valid or not. */
export function newestOf(records: Iterable<TokenRecord | null>): TokenRecord | null {
  let newest: TokenRecord | null = null;
  for (const record of records)
    if (record && (!newest || record.generation > newest.generation)) newest = record;
  return newest;
}

/**
 * The one newest-record reader: the freshest record across the readable sinks (highest generation). The
 * engine's `AccountSinks.read`, the token manager, the CLI's `token`/`logout` and the daemon use it.
 */
export async function readNewest(
  sinks: readonly TokenSink[],
  account: string,
  logger: Logger,
): Promise<TokenRecord | null> {
  const readable = sinks.filter((s) => s.read);
  // The common case, one readable sink, is the hot path of every consumer asking for its token.
  if (readable.length === 1) return readSink(readable[0]!, account, logger);
  return newestOf(await Promise.all(readable.map((sink) => readSink(sink, account, logger))));
}

/**
 * The one start-up sink check: every sink's `check()` (a throwaway write) in parallel, before a login is spent;
 * the failures are thrown together as one SINK_CHECK_FAILED naming each sink.
 */
export async function checkSinks(sinks: readonly TokenSink[], hint: string): Promise<void> {
  const results = await Promise.allSettled(sinks.map((sink) => sink.check?.()));
  const failures = results.flatMap((r, i) =>
    r.status === "rejected" ? [{ sink: sinks[i]!, error: r.reason as unknown }] : [],
  );
  const first = failures[0];
  if (!first) return;
  const lines = failures.map(({ sink, error }) => `  - ${sink.name}: ${errorText(error)}`).join("\n");
  throw new SinkError("SINK_CHECK_FAILED", first.sink.name, `sink check failed:\n${lines}`, {
    cause: first.error,
    hint: (first.error as { hint?: string } | null)?.hint ?? hint,
  });
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
        if (sink.read) held.set(sink, await readSink(sink, account, this.#logger));
      }),
    );
    return { newest: newestOf(held.values()), held };
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
  ): Promise<{ synced: string[]; outcomes: SinkOutcome[] }> {
    const behind = this.#sinks.filter((sink) => {
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

/** A login whose token reached no sink: the cycle counts it as a failed (retryable) attempt. */
export function noSinkStoredError(outcomes: SinkOutcome[]): UpstoxTokenError {
  const failed = outcomes.filter((o) => !o.ok);
  return new SinkError(
    "SINK_FAILED",
    failed.map((o) => o.sink).join(", "),
    "the new token could not be stored in any sink",
    {
      retryable: true,
      hint: "Check the sinks (paths, permissions, servers).",
      ...(failed[0] && !failed[0].ok ? { cause: failed[0].error } : {}),
    },
  );
}

function errorText(error: unknown): string {
  if (error instanceof UpstoxTokenError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
