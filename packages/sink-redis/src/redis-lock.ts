import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  type AccountLock,
  type LockHandle,
  type LockHolder,
  type Logger,
  silentLogger,
  UpstoxTokenError,
} from "@upstox-token/core";
import type { Redis } from "ioredis";
import {
  closeRedisClient,
  createRedisClient,
  ensureReady,
  safeRedisError,
  withDeadline,
} from "./redis-connection.js";
import { maskRedisUrl } from "./redis-url.js";

/** Deletes the lock only if it still holds our token: a holder whose lock expired cannot free another's. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1] .. ':holder')
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Extends the lock only if it still holds our token. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

export interface RedisLockOptions {
  url: string;
  /** Lock keys are `<prefix>lock:<name>`; the engine passes the Upstox user's `userKey` as the name, as for the file lock. Default "upstox-token:". */
  prefix?: string;
  /** How long a lock lives without renewal, so a crashed holder frees it. Default 120 000 (2 min). */
  ttlMs?: number;
  /** How often a held lock is extended to `ttlMs` again. Default ttlMs / 3; 0 turns renewal off. */
  renewEveryMs?: number;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  logger?: Logger;
}

/** A held lock. Renewed in the background until released or lost. */
export interface RedisLockHandle extends LockHandle {
  readonly name: string;
  /** True once the lock is known to be gone: it expired and another took it, or renewal failed for ttlMs. */
  readonly lost: boolean;
  /** Aborted when the lock is lost, for work that must stop then. */
  readonly signal: AbortSignal;
  /** Calls `listener` once when the lock is lost (at once if it already is). */
  onLost(listener: () => void): void;
  /** Compare-and-delete. True if this handle still held the lock and freed it. Safe to call twice. */
  release(): Promise<boolean>;
}

/**
 * A lock shared by every process that can reach the Redis server (SET NX PX with a random token), so that only
 * one daemon refreshes an account at a time. Implements core's `AccountLock`.
 */
export class RedisLock implements AccountLock {
  readonly #client: Redis;
  readonly #url: string;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #logger: Logger;
  readonly #held = new Set<HeldLock>();
  #closing: Promise<void> | undefined;

  constructor(options: RedisLockOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? "upstox-token:";
    this.#ttlMs = options.ttlMs ?? 120_000;
    this.#renewEveryMs = options.renewEveryMs ?? Math.floor(this.#ttlMs / 3);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.#logger = options.logger ?? silentLogger;
    if (!(this.#ttlMs > 0)) throw new TypeError("RedisLock: ttlMs must be positive");
    this.#client = createRedisClient(
      { url: this.#url, connectTimeoutMs: this.#connectTimeoutMs, commandTimeoutMs: this.#commandTimeoutMs },
      (error) =>
        this.#logger.debug({ err: safeRedisError(error, this.#url).message }, "redis lock connection error"),
    );
  }

  /**
   * Takes the lock `name`, retrying until `waitMs` has passed (default: one attempt). Resolves null if another
   * holds it; rejects with LOCK_FAILED if Redis cannot be reached.
   */
  async acquire(
    name: string,
    options: { waitMs?: number; retryEveryMs?: number; signal?: AbortSignal } = {},
  ): Promise<RedisLockHandle | null> {
    const key = `${this.#prefix}lock:${name}`;
    const token = randomUUID();
    const deadline = Date.now() + (options.waitMs ?? 0);
    const retryEveryMs = options.retryEveryMs ?? 250;
    for (;;) {
      const reply = await this.#call(`acquire "${name}"`, (client) =>
        client.set(key, token, "PX", this.#ttlMs, "NX"),
      );
      if (reply === "OK") {
        const held = new HeldLock(name, key, token, {
          call: (what, operation) => this.#call(what, operation),
          forget: (lock) => this.#held.delete(lock),
          ttlMs: this.#ttlMs,
          renewEveryMs: this.#renewEveryMs,
          logger: this.#logger,
        });
        this.#held.add(held);
        // Who holds it, for another process's "waiting for …'s lock" message; best effort, never the token.
        const holder = JSON.stringify({ holder: `pid ${process.pid} on ${hostname()}`, since: Date.now() });
        await this.#call(`describe "${name}"`, (client) =>
          client.set(`${key}:holder`, holder, "PX", this.#ttlMs * 10),
        ).catch(() => {});
        return held;
      }
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted) return null;
      await sleep(Math.min(retryEveryMs, left));
    }
  }

  /** Who holds the lock `name` (as its holder described itself), or null when it is free or unknown. */
  async holder(name: string): Promise<LockHolder | null> {
    const key = `${this.#prefix}lock:${name}`;
    const [held, raw] = await this.#call(`describe "${name}"`, (client) =>
      Promise.all([client.exists(key), client.get(`${key}:holder`)]),
    );
    if (!held || !raw) return null;
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      return {
        holder: typeof parsed.holder === "string" ? parsed.holder.slice(0, 200) : undefined,
        since: typeof parsed.since === "number" && Number.isFinite(parsed.since) ? parsed.since : undefined,
      };
    } catch {
      return null;
    }
  }

  /** Releases every lock still held, then disconnects. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#held].map((held) => held.release()));
      await closeRedisClient(this.#client, this.#commandTimeoutMs);
    })();
    return this.#closing;
  }

  /** Runs one bounded command; failures become LOCK_FAILED errors without the password. */
  async #call<T>(what: string, operation: (client: Redis) => Promise<T>): Promise<T> {
    const budget = this.#connectTimeoutMs + 2 * this.#commandTimeoutMs + 1_000;
    try {
      return await withDeadline(
        (async () => {
          await ensureReady(this.#client, this.#connectTimeoutMs);
          return operation(this.#client);
        })(),
        budget,
        `no answer within ${budget} ms`,
      );
    } catch (error) {
      const cause = safeRedisError(error, this.#url);
      throw new UpstoxTokenError(
        "LOCK_FAILED",
        `redis lock at ${maskRedisUrl(this.#url)}: ${what} failed: ${cause.message}`,
        {
          cause,
          hint: "check that Redis is up and reachable",
          retryable: true,
        },
      );
    }
  }
}

interface HeldLockContext {
  call<T>(what: string, operation: (client: Redis) => Promise<T>): Promise<T>;
  forget(lock: HeldLock): void;
  ttlMs: number;
  renewEveryMs: number;
  logger: Logger;
}

class HeldLock implements RedisLockHandle {
  readonly name: string;
  readonly #lock: HeldLockContext;
  readonly #key: string;
  readonly #token: string;
  readonly #abort = new AbortController();
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #confirmedAt = Date.now();
  #released = false;

  constructor(name: string, key: string, token: string, lock: HeldLockContext) {
    this.#lock = lock;
    this.name = name;
    this.#key = key;
    this.#token = token;
    const { renewEveryMs } = lock;
    if (renewEveryMs > 0) {
      this.#timer = setInterval(() => void this.#renew(), renewEveryMs);
      // A held lock must not keep a finished process alive.
      this.#timer.unref?.();
    }
  }

  get lost(): boolean {
    return this.#abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  onLost(listener: () => void): void {
    if (this.lost) listener();
    else this.#abort.signal.addEventListener("abort", () => listener(), { once: true });
  }

  async release(): Promise<boolean> {
    if (this.#released) return false;
    this.#released = true;
    this.#stop();
    const deleted = await this.#lock.call(`release "${this.name}"`, (client) =>
      client.eval(RELEASE_LUA, 1, this.#key, this.#token),
    );
    return deleted === 1;
  }

  async #renew(): Promise<void> {
    const { ttlMs, logger } = this.#lock;
    try {
      const renewed = await this.#lock.call(`renew "${this.name}"`, (client) =>
        client.eval(RENEW_LUA, 1, this.#key, this.#token, String(ttlMs)),
      );
      if (this.#released) return;
      if (renewed === 1) {
        this.#confirmedAt = Date.now();
        return;
      }
      logger.warn({ lock: this.name }, "lock lost: it expired and is gone or held by another");
      this.#markLost();
    } catch (error) {
      if (this.#released) return;
      // Unreachable Redis: the lock may still be ours until its ttl runs out; after that, assume not.
      if (Date.now() - this.#confirmedAt >= ttlMs) {
        logger.warn({ lock: this.name, err: String(error) }, "lock lost: could not renew it within its ttl");
        this.#markLost();
      }
    }
  }

  #markLost(): void {
    this.#stop();
    this.#abort.abort(new Error(`lock "${this.name}" lost`));
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#lock.forget(this);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
