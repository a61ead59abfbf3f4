import { type BackoffPolicy, backoffDelay, defaultSleep } from "./backoff.js";
import { SinkError, UpstoxTokenError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { TokenRecord } from "./record.js";
import type { SinkWriteResult, TokenSink } from "./sink.js";

export type SinkOutcome =
  | { sink: string; ok: true; result: SinkWriteResult; attempts: number }
  | { sink: string; ok: false; error: UpstoxTokenError; attempts: number };

export interface FanoutOptions {
  retry: BackoffPolicy;
  /** One write attempt that has not settled after this long counts as failed (a hung sink). Default 30 s. */
  attemptTimeoutMs?: number;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultSinkRetry: BackoffPolicy = { attempts: 4, baseMs: 250, maxMs: 5_000 };

export function asSinkError(sink: TokenSink, error: unknown): UpstoxTokenError {
  if (error instanceof UpstoxTokenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SinkError("SINK_FAILED", sink.name, `sink ${sink.name} failed: ${message}`, { cause: error });
}

async function writeWithRetry(
  sink: TokenSink,
  record: TokenRecord,
  options: FanoutOptions,
): Promise<SinkOutcome> {
  const sleep = options.sleep ?? defaultSleep;
  let lastError: UpstoxTokenError | undefined;
  for (let attempt = 1; attempt <= options.retry.attempts; attempt++) {
    try {
      const result = await withinTime(sink, sink.write(record), options.attemptTimeoutMs ?? 30_000);
      return { sink: sink.name, ok: true, result, attempts: attempt };
    } catch (error) {
      lastError = asSinkError(sink, error);
      const last = attempt === options.retry.attempts;
      options.logger.warn(
        { sink: sink.name, account: record.account, attempt, code: lastError.code, err: lastError.message },
        last ? "sink write failed; giving up" : "sink write failed; retrying",
      );
      if (last) break;
      await sleep(backoffDelay(attempt - 1, options.retry, options.random));
    }
  }
  return { sink: sink.name, ok: false, error: lastError!, attempts: options.retry.attempts };
}

/** A write that never settles (a hung connection, a stuck lock) must not hold the cycle forever. */
function withinTime<T>(sink: TokenSink, work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SinkError("SINK_FAILED", sink.name, `sink ${sink.name} did not answer within ${ms} ms`, {
            retryable: true,
            hint: "Check the sink's target (a hung server or a stuck file lock).",
          }),
        ),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Writes one record to every sink in parallel. Each sink retries on its own (bounded, jittered); one failing
 * sink never holds the token back from the others.
 */
export function writeToSinks(sinks: TokenSink[], record: TokenRecord, options: FanoutOptions) {
  return Promise.all(sinks.map((sink) => writeWithRetry(sink, record, options)));
}
