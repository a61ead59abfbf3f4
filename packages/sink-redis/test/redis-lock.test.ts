import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { inspect } from "node:util";
import { type AccountLock, UpstoxTokenError } from "@upstox-token/core";
import {
  findFreePort,
  startRedisServer,
  type TestRedisServer,
} from "@upstox-token/sink-test-suite/redis-server";
import { Redis } from "ioredis";
import { RedisLock, type RedisLockOptions } from "../src/index.js";
import { freshPrefix, settleWithin } from "./helpers.js";

let server: TestRedisServer;
let raw: Redis;
const locks: RedisLock[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.close();
});
afterAll(async () => {
  raw.disconnect();
  await server.stop();
});

/** Polls a condition (a Redis key's state, a flag) instead of sleeping for a guessed time. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

function makeLock(options: Partial<RedisLockOptions> = {}): RedisLock {
  const lock = new RedisLock({ url: server.url, ...options });
  locks.push(lock);
  return lock;
}

/** Two contenders for the same lock, as two daemons on two machines would be. */
function contenders(options: Partial<RedisLockOptions> = {}): [RedisLock, RedisLock] {
  const prefix = freshPrefix();
  return [makeLock({ prefix, ...options }), makeLock({ prefix, ...options })];
}

describe("RedisLock", () => {
  test("fits core's AccountLock", () => {
    const lock: AccountLock = makeLock();
    expect(typeof lock.acquire).toBe("function");
  });

  test("of two contenders exactly one wins; the other gets it after release", async () => {
    const [a, b] = contenders();
    const results = await Promise.all([a.acquire("main"), b.acquire("main")]);
    const winners = results.filter((handle) => handle !== null);
    expect(winners).toHaveLength(1);
    expect(await b.acquire("main")).toBeNull();
    expect(await winners[0]?.release()).toBe(true);
    const next = await b.acquire("main");
    expect(next).not.toBeNull();
    expect(await next?.release()).toBe(true);
    expect(await next?.release()).toBe(false);
  });

  test("locks on different names do not conflict", async () => {
    const [a, b] = contenders();
    expect(await a.acquire("alpha")).not.toBeNull();
    expect(await b.acquire("beta")).not.toBeNull();
  });

  test("waitMs: a waiting contender gets the lock once the holder releases it", async () => {
    const [a, b] = contenders();
    const held = await a.acquire("main");
    let settled = false;
    const waiting = b.acquire("main", { waitMs: 5_000, retryEveryMs: 20 }).finally(() => {
      settled = true;
    });
    // While a holds it, b keeps waiting: a's token is still the key's value after b's first tries.
    const prefixed = (await raw.keys("*lock:main")).filter((k) => k.includes(`${process.pid}-`));
    expect(prefixed.length).toBeGreaterThan(0);
    expect(settled).toBe(false);
    // ...and gets it once a releases.
    expect(await held?.release()).toBe(true);
    expect(await waiting).not.toBeNull();
  });

  test("waitMs runs out: null", async () => {
    const [a, b] = contenders();
    await a.acquire("main");
    expect(await b.acquire("main", { waitMs: 200, retryEveryMs: 50 })).toBeNull();
  });

  test("a lock expires after ttlMs when not renewed, and a stale holder cannot delete the new holder's lock", async () => {
    const prefix = freshPrefix();
    const a = makeLock({ prefix, ttlMs: 200, renewEveryMs: 0 });
    const b = makeLock({ prefix, ttlMs: 200, renewEveryMs: 0 });
    const stale = await a.acquire("main");
    expect(stale).not.toBeNull();
    await until(async () => (await raw.exists(`${prefix}lock:main`)) === 0);
    const fresh = await b.acquire("main");
    expect(fresh).not.toBeNull();
    // The first holder wakes up late and releases: compare-and-delete leaves b's lock alone.
    expect(await stale?.release()).toBe(false);
    expect(await b.acquire("main")).toBeNull();
    expect(await fresh?.release()).toBe(true);
  });

  test("automatic renewal keeps a held lock well past its ttl", async () => {
    const prefix = freshPrefix();
    const a = makeLock({ prefix, ttlMs: 300, renewEveryMs: 100 });
    const b = makeLock({ prefix, ttlMs: 300, renewEveryMs: 100 });
    const held = await a.acquire("main");
    // Watch the key's ttl go back up: four renewals take it past one full ttl from the start.
    let renewals = 0;
    let last = await raw.pttl(`${prefix}lock:main`);
    await until(async () => {
      const now = await raw.pttl(`${prefix}lock:main`);
      if (now > last) renewals++;
      last = now;
      return renewals >= 4;
    });
    expect(held?.lost).toBe(false);
    expect(await b.acquire("main")).toBeNull();
    expect(await held?.release()).toBe(true);
    expect(await b.acquire("main")).not.toBeNull();
  });

  test("a holder learns it lost the lock (lost, signal, onLost) when its renewal finds another's token", async () => {
    const prefix = freshPrefix();
    const a = makeLock({ prefix, ttlMs: 200, renewEveryMs: 400 });
    const b = makeLock({ prefix, ttlMs: 60_000 });
    const held = await a.acquire("main");
    let told = 0;
    held?.onLost(() => {
      told += 1;
    });
    await until(async () => (await raw.exists(`${prefix}lock:main`)) === 0); // expired before the first renewal
    const thief = await b.acquire("main");
    expect(thief).not.toBeNull();
    await until(() => held?.lost === true); // a's renewal runs at 400 ms and finds b's token
    expect(held?.lost).toBe(true);
    expect(held?.signal.aborted).toBe(true);
    expect(told).toBe(1);
    let lateListener = false;
    held?.onLost(() => {
      lateListener = true;
    });
    expect(lateListener).toBe(true);
    expect(await held?.release()).toBe(false);
    expect(await b.acquire("main")).toBeNull();
  });

  test("holder() says who holds a lock and since when (for the engine's waiting message); null once free", async () => {
    const [a, b] = contenders();
    expect(await b.holder("main")).toBeNull();
    const before = Date.now();
    const held = await a.acquire("main");
    const holder = await b.holder("main");
    expect(holder?.holder).toBe(`pid ${process.pid} on ${(await import("node:os")).hostname()}`);
    expect(holder?.since).toBeGreaterThanOrEqual(before);
    await held?.release();
    expect(await b.holder("main")).toBeNull();
  });

  test("the lock key holds a random token with a PX ttl", async () => {
    const prefix = freshPrefix();
    const lock = makeLock({ prefix, ttlMs: 60_000 });
    await lock.acquire("main");
    const key = `${prefix}lock:main`;
    expect(await raw.get(key)).toMatch(/^[0-9a-f-]{36}$/);
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  test("close() releases held locks and can be called twice", async () => {
    const prefix = freshPrefix();
    const lock = makeLock({ prefix });
    await lock.acquire("main");
    await lock.close();
    await lock.close();
    expect(await raw.exists(`${prefix}lock:main`)).toBe(0);
  });

  test("unreachable Redis: acquire rejects with LOCK_FAILED, without the password, and does not hang", async () => {
    const url = `redis://:l0ck-Pa55word@127.0.0.1:${await findFreePort()}`;
    const lock = makeLock({ url, connectTimeoutMs: 500 });
    const outcome = await settleWithin(lock.acquire("main", { waitMs: 2_000 }), 10_000);
    expect(outcome.status).toBe("rejected");
    const error = (outcome as PromiseRejectedResult).reason as UpstoxTokenError;
    expect(error).toBeInstanceOf(UpstoxTokenError);
    expect(error.code).toBe("LOCK_FAILED");
    expect(`${error.message} ${inspect(error, { depth: 10 })}`).not.toContain("l0ck-Pa55word");
  });
});
