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
    setTimeout(() => void held?.release(), 300);
    const started = Date.now();
    const handle = await b.acquire("main", { waitMs: 5_000, retryEveryMs: 50 });
    expect(handle).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test("waitMs runs out: null", async () => {
    const [a, b] = contenders();
    await a.acquire("main");
    expect(await b.acquire("main", { waitMs: 200, retryEveryMs: 50 })).toBeNull();
  });

  test("a lock expires after ttlMs when not renewed, and a stale holder cannot delete the new holder's lock", async () => {
    const [a, b] = contenders({ ttlMs: 200, renewEveryMs: 0 });
    const stale = await a.acquire("main");
    expect(stale).not.toBeNull();
    await Bun.sleep(300);
    const fresh = await b.acquire("main");
    expect(fresh).not.toBeNull();
    // The first holder wakes up late and releases: compare-and-delete leaves b's lock alone.
    expect(await stale?.release()).toBe(false);
    expect(await b.acquire("main")).toBeNull();
    expect(await fresh?.release()).toBe(true);
  });

  test("automatic renewal keeps a held lock well past its ttl", async () => {
    const [a, b] = contenders({ ttlMs: 300, renewEveryMs: 100 });
    const held = await a.acquire("main");
    await Bun.sleep(1_000);
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
    await Bun.sleep(250); // expired before the first renewal
    const thief = await b.acquire("main");
    expect(thief).not.toBeNull();
    await Bun.sleep(300); // a's renewal runs at 400 ms and finds b's token
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
