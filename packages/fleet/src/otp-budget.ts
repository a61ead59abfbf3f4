import type { Redis } from "ioredis";

/** Upstox's OTP limit per user (1017069 after about 10 generates in 10 minutes), kept across every daemon. */
export interface OtpLimit {
  max: number;
  windowMs: number;
}

// A sliding window per user key: drop hits older than the window; take a slot if one is free, else say when
// the oldest hit leaves the window. One script, so two daemons cannot both take the last slot.
const TAKE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", key, "-inf", now - window)
if redis.call("ZCARD", key) < max then
  redis.call("ZADD", key, now, ARGV[4])
  redis.call("PEXPIRE", key, window)
  return 0
end
local oldest = redis.call("ZRANGE", key, 0, 0, "WITHSCORES")
return tonumber(oldest[2]) + window
`;

/** Fleet-wide OTP budget: a login takes one slot of its Upstox user before it may ask for an OTP. */
export class OtpBudget {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #limit: OtpLimit;

  constructor(redis: Redis, prefix: string, limit: OtpLimit) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#limit = limit;
  }

  /** 0 when a slot was taken; else the instant (epoch ms) the next slot frees. */
  async take(userKey: string, now: number, member: string): Promise<number> {
    const result = await this.#redis.eval(
      TAKE,
      1,
      `${this.#prefix}otp:${userKey}`,
      String(now),
      String(this.#limit.windowMs),
      String(this.#limit.max),
      `${member}#${now}`,
    );
    return Number(result);
  }
}
