import { defineSink } from "@upstox-token/core";
import { redisSinkOptions } from "./options.js";
import { RedisTokenSink } from "./redis-token-sink.js";

/** The `redis` sink: `redis:redis://host:6379` (or `redis:host:6379`) on the command line. */
export const redisSink = defineSink({
  kind: "redis",
  optionsSchema: redisSinkOptions,
  fromShorthand: (argument) => ({ url: /^rediss?:\/\//.test(argument) ? argument : `redis://${argument}` }),
  create: (options, context) => new RedisTokenSink(options, { logger: context.logger }),
});
