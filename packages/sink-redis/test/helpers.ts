import { silentLogger } from "@upstox-token/core";
import { type RedisSinkOptions, type RedisTokenSink, redisSink, redisSinkOptions } from "../src/index.js";

let prefixes = 0;

/** A key prefix no other test uses, so tests can share one server. */
export function freshPrefix(): string {
  prefixes += 1;
  return `t${process.pid}-${prefixes}:`;
}

/** A sink made the way the daemon makes it: options through the schema, then the factory. */
export async function openSink(options: RedisSinkOptions): Promise<RedisTokenSink> {
  const sink = await redisSink.create(redisSinkOptions.parse(options), {
    baseDir: ".",
    logger: silentLogger,
  });
  return sink as RedisTokenSink;
}

/** Settles with the promise's outcome, or rejects if it has not settled after `ms` (a hang is a failure). */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms: it hangs`)), ms);
  });
  const settled = promise.then(
    (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
  );
  return Promise.race([settled, hang]).finally(() => clearTimeout(timer));
}
