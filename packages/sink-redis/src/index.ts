export { type RedisSinkOptions, type ResolvedRedisSinkOptions, redisSinkOptions } from "./options.js";
export { RedisLock, type RedisLockHandle, type RedisLockOptions } from "./redis-lock.js";
export { redisSink } from "./redis-sink-definition.js";
export { RedisTokenSink, type TokenEvent } from "./redis-token-sink.js";
export { maskRedisUrl } from "./redis-url.js";
export { type SubscribeTokenEventsOptions, subscribeTokenEvents } from "./token-events.js";
