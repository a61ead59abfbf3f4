import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { inspect } from "node:util";
import { SinkError, toIstIso } from "@upstox-token/core";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import {
  findRedisServerBinary,
  startRedisServer,
  type TestRedisServer,
} from "@upstox-token/sink-test-suite/redis-server";
import { Redis } from "ioredis";
import {
  maskRedisUrl,
  type RedisTokenSink,
  redisSink,
  redisSinkOptions,
  subscribeTokenEvents,
  type TokenEvent,
} from "../src/index.js";
import { freshPrefix, openSink, settleWithin } from "./helpers.js";

const HOUR = 3_600_000;
const HANG_LIMIT_MS = 10_000;
/** Tests that stop, restart or reconfigure a server need a private redis-server, not a shared REDIS_URL. */
const ownServer = test.skipIf(findRedisServerBinary() === undefined);

let server: TestRedisServer;
let raw: Redis;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  raw.disconnect();
  await server.stop();
});

async function sink(options: Partial<Parameters<typeof openSink>[0]> = {}): Promise<RedisTokenSink> {
  const opened = await openSink({ url: server.url, prefix: freshPrefix(), ...options });
  cleanups.push(() => opened.close());
  return opened;
}

/** A record that is still valid, so PXAT keeps it. */
function liveRecord(overrides: Parameters<typeof makeTestRecord>[0] = {}) {
  const issuedAt = Date.now() - HOUR;
  return makeTestRecord({ issuedAt, expiresAt: Date.now() + 2 * HOUR, ...overrides });
}

describe("options and factory", () => {
  test("defaults, and the shorthand takes a URL or host:port", () => {
    const parsed = redisSinkOptions.parse({ url: "redis://localhost:6379" });
    expect(parsed).toEqual({
      url: "redis://localhost:6379",
      prefix: "upstox-token:",
      connectTimeoutMs: 3000,
      commandTimeoutMs: 2000,
      publish: true,
      expire: true,
    });
    expect(redisSink.fromShorthand?.("rediss://cache:6380/2")).toEqual({ url: "rediss://cache:6380/2" });
    expect(redisSink.fromShorthand?.("cache:6380")).toEqual({ url: "redis://cache:6380" });
    expect(redisSinkOptions.safeParse({ url: "http://x" }).success).toBe(false);
  });

  test("the name masks the password and drops the query", () => {
    expect(maskRedisUrl("redis://user:hunter2@cache:6380/1?password=hunter2")).toBe(
      "redis://user:***@cache:6380/1",
    );
    expect(maskRedisUrl("redis://:hunter2@cache")).toBe("redis://:***@cache");
  });
});

describe("storage", () => {
  test("stores the Upstox-shaped JSON under <prefix><account> with PXAT = expiresAt", async () => {
    const s = await sink();
    const record = liveRecord({ account: "alpha" });
    expect(await s.write(record)).toEqual({ status: "written" });
    const json = JSON.parse((await raw.get(s.keyFor("alpha"))) as string);
    expect(json.access_token).toBe(record.accessToken.reveal());
    expect(json.generation).toBe(record.generation);
    const expireAt = await raw.pexpiretime(s.keyFor("alpha"));
    expect(expireAt).toBe(record.expiresAt);
    const pttl = await raw.pttl(s.keyFor("alpha"));
    expect(Math.abs(pttl - (record.expiresAt - Date.now()))).toBeLessThan(5_000);
  });

  test("a key vanishes at expiresAt; with expire: false it stays", async () => {
    const expiring = await sink();
    const keeping = await sink({ expire: false });
    const soon = liveRecord({ expiresAt: Date.now() + 300 });
    await expiring.write(soon);
    await keeping.write(soon);
    expect(await keeping.read("main")).not.toBeNull();
    expect(await raw.pttl(keeping.keyFor("main"))).toBe(-1);
    await Bun.sleep(500);
    expect(await expiring.read("main")).toBeNull();
    expect(await keeping.read("main")).not.toBeNull();
  });

  test("the Lua script refuses a lower generation even when written by another client", async () => {
    const s = await sink();
    await s.write(liveRecord({ generation: 5 }));
    // Another writer (say, a newer daemon) bumps the generation behind this sink's back.
    const stored = JSON.parse((await raw.get(s.keyFor("main"))) as string);
    await raw.set(s.keyFor("main"), JSON.stringify({ ...stored, generation: 9 }));
    expect(await s.write(liveRecord({ generation: 8 }))).toEqual({ status: "stale", storedGeneration: 9 });
    expect((await s.read("main"))?.generation).toBe(9);
  });

  test("accounts() names the accounts stored under the prefix, nothing else", async () => {
    const s = await sink();
    expect(await s.accounts()).toEqual([]);
    await s.write(liveRecord({ account: "default" }));
    await s.write(liveRecord({ account: "family-2" }));
    await raw.set(`${s.keyFor("lock")}:main`, "x"); // a lock-like key under the same prefix
    await raw.set("elsewhere:main", "x");
    expect(await s.accounts()).toEqual(["default", "family-2"]);
  });

  test("a value that is not a token record reads as a SinkError that does not echo it", async () => {
    const s = await sink();
    await raw.set(s.keyFor("main"), "not json, secret-ish-value");
    const error = await s.read("main").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(inspect(error, { depth: 5 })).not.toContain("secret-ish-value");
    // A write replaces the unreadable value.
    expect(await s.write(liveRecord())).toEqual({ status: "written" });
  });
});

describe("events", () => {
  test("PUBLISH on <prefix>events only when the stored token changes, never with the token", async () => {
    const prefix = freshPrefix();
    const s = await sink({ prefix });
    const events: TokenEvent[] = [];
    const rawMessages: string[] = [];
    const listener = new Redis(server.url);
    cleanups.push(async () => listener.disconnect());
    await listener.subscribe(`${prefix}events`);
    listener.on("message", (_channel: string, message: string) => rawMessages.push(message));
    const unsubscribe = await subscribeTokenEvents(server.url, prefix, (event) => events.push(event));
    cleanups.push(unsubscribe);

    const first = liveRecord({ generation: 1 });
    await s.write(first);
    await s.write(first); // same record again: no change, no event
    await s.write(liveRecord({ generation: 0 })); // stale: no event
    const second = liveRecord({ generation: 2 });
    await s.write(second);
    await Bun.sleep(200);

    expect(events.map((e) => e.generation)).toEqual([1, 2]);
    expect(events[0]).toEqual({ account: "main", generation: 1, expires_at: toIstIso(first.expiresAt) });
    expect(Date.parse(events[1]?.expires_at ?? "")).toBe(second.expiresAt);
    for (const message of rawMessages) {
      expect(message).not.toContain(first.accessToken.reveal());
      expect(message).not.toContain(second.accessToken.reveal());
    }
  });

  test("publish: false sends no events", async () => {
    const prefix = freshPrefix();
    const s = await sink({ prefix, publish: false });
    const events: TokenEvent[] = [];
    cleanups.push(await subscribeTokenEvents(server.url, prefix, (event) => events.push(event)));
    await s.write(liveRecord());
    await Bun.sleep(150);
    expect(events).toEqual([]);
  });
});

describe("password never shown", () => {
  ownServer(
    "a wrong password fails check() with a SinkError that shows neither the password nor the token",
    async () => {
      const secretServer = await startRedisServer();
      cleanups.push(() => secretServer.stop());
      const admin = new Redis(secretServer.url);
      await admin.config("SET", "requirepass", "s3cret-Pa55word");
      admin.disconnect();
      const url = secretServer.url.replace("redis://", "redis://:wr0ng-Pa55word@");
      const s = await sink({ url, connectTimeoutMs: 1000 });
      expect(s.name).not.toContain("wr0ng-Pa55word");
      const record = liveRecord();
      for (const attempt of [s.check(), s.write(record)] as Promise<unknown>[]) {
        const outcome = await settleWithin(attempt, HANG_LIMIT_MS);
        expect(outcome.status).toBe("rejected");
        const error = (outcome as PromiseRejectedResult).reason as SinkError;
        expect(error).toBeInstanceOf(SinkError);
        const shown = `${String(error)} ${error.hint} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
        expect(shown).not.toContain("wr0ng-Pa55word");
        expect(shown).not.toContain(record.accessToken.reveal());
        expect(shown).toMatch(/127\.0\.0\.1:\d+/);
      }
    },
  );
});

describe("Redis going away", () => {
  ownServer(
    "a write while Redis is down rejects with a clear SinkError; after restart the same sink writes",
    async () => {
      const own = await startRedisServer();
      cleanups.push(() => own.stop());
      const s = await sink({ url: own.url, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
      expect(await s.write(liveRecord({ generation: 1 }))).toEqual({ status: "written" });

      await own.kill();
      for (const generation of [2, 3]) {
        const outcome = await settleWithin(s.write(liveRecord({ generation })), HANG_LIMIT_MS);
        expect(outcome.status).toBe("rejected");
        const error = (outcome as PromiseRejectedResult).reason as SinkError;
        expect(error).toBeInstanceOf(SinkError);
        expect(error.code).toBe("SINK_FAILED");
        expect(error.retryable).toBe(true);
        expect(error.message).toContain(`127.0.0.1:${own.port}`);
      }
      const checkOutcome = await settleWithin(s.check(), HANG_LIMIT_MS);
      expect(checkOutcome.status).toBe("rejected");
      expect(((checkOutcome as PromiseRejectedResult).reason as SinkError).code).toBe("SINK_CHECK_FAILED");

      await own.restart();
      // Redis restarted empty (no persistence): generation 4 is written afresh.
      expect(await s.write(liveRecord({ generation: 4 }))).toEqual({ status: "written" });
      expect((await s.read("main"))?.generation).toBe(4);
    },
  );

  ownServer(
    "a graceful stop mid-run: same outcome, and close() does not hang with the server gone",
    async () => {
      const own = await startRedisServer();
      cleanups.push(() => own.stop());
      const s = await sink({ url: own.url, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
      await s.write(liveRecord({ generation: 1 }));
      await own.stop();
      const outcome = await settleWithin(s.read("main"), HANG_LIMIT_MS);
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SinkError);
      expect((await settleWithin(s.close(), HANG_LIMIT_MS)).status).toBe("fulfilled");
      expect((await settleWithin(s.close(), HANG_LIMIT_MS)).status).toBe("fulfilled");
    },
  );

  ownServer("a server that accepts but never answers: the command timeout fires", async () => {
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const s = await sink({ url: own.url, connectTimeoutMs: 1000, commandTimeoutMs: 300 });
    await s.write(liveRecord({ generation: 1 }));
    const admin = new Redis(own.url);
    cleanups.push(async () => admin.disconnect());
    // Pause every client for 3 s: the sink's commands get no reply meanwhile.
    await admin.call("CLIENT", "PAUSE", "3000", "ALL");
    const outcome = await settleWithin(s.write(liveRecord({ generation: 2 })), HANG_LIMIT_MS);
    expect(outcome.status).toBe("rejected");
    expect(String(((outcome as PromiseRejectedResult).reason as SinkError).message)).toMatch(/timed out/i);
  });

  ownServer(
    "a subscriber keeps receiving events after Redis restarts, and says when it is back",
    async () => {
      const own = await startRedisServer();
      cleanups.push(() => own.stop());
      const prefix = freshPrefix();
      const s = await sink({ url: own.url, prefix });
      const events: number[] = [];
      let ready = 0;
      const errors: Error[] = [];
      cleanups.push(
        await subscribeTokenEvents(own.url, prefix, (event) => events.push(event.generation), {
          onReady: () => {
            ready += 1;
          },
          onError: (error) => errors.push(error),
        }),
      );
      await s.write(liveRecord({ generation: 1 }));
      const delivered = Date.now() + HANG_LIMIT_MS;
      while (events.length < 1 && Date.now() < delivered) await Bun.sleep(20);
      await own.kill();
      await own.restart();
      const deadline = Date.now() + HANG_LIMIT_MS;
      while (ready < 2 && Date.now() < deadline) await Bun.sleep(50);
      expect(ready).toBe(2);
      await Bun.sleep(100); // the resubscribe goes out right after "ready"
      await s.write(liveRecord({ generation: 2 }));
      await Bun.sleep(200);
      expect(events).toEqual([1, 2]);
      expect(errors.map((error) => error.message)).toContain(
        `lost the connection to 127.0.0.1:${own.port}; reconnecting`,
      );
    },
  );
});
