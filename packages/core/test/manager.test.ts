import { describe, expect, test } from "bun:test";
import { createToken, type LockHandle, TokenManager, toRecord, type UpstoxToken } from "../src/index.js";
import { MemorySink } from "./memory-sink.js";

const NOW = Date.UTC(2026, 10, 22, 4, 0); // 09:30 IST
const clock = () => NOW;
const noSleep = async () => {};

function fakeToken(n: number): UpstoxToken {
  return createToken({
    accessToken: `token-${n}`,
    profile: { userId: "AB1234" },
    receivedAt: NOW,
    source: "totp",
  });
}

function countingLogin(delayMs = 5) {
  const calls: string[] = [];
  const login = async (account: string) => {
    calls.push(account);
    await new Promise((r) => setTimeout(r, delayMs));
    return fakeToken(calls.length);
  };
  return { calls, login };
}

describe("TokenManager", () => {
  test("serves a valid stored token without logging in", async () => {
    const sink = new MemorySink();
    sink.records.set("main", toRecord("main", fakeToken(0), 1));
    const { calls, login } = countingLogin();
    const manager = new TokenManager({ sinks: [sink], login, now: clock });
    const record = await manager.getValidToken("main");
    expect(record.accessToken.reveal()).toBe("token-0");
    expect(calls).toEqual([]);
  });

  test("logs in when the stored token expires within the margin", async () => {
    const sink = new MemorySink();
    const nearlyExpired = { ...fakeToken(0), expiresAt: NOW + 60_000 };
    sink.records.set("main", toRecord("main", nearlyExpired, 1));
    const { calls, login } = countingLogin();
    const manager = new TokenManager({ sinks: [sink], login, now: clock, marginMs: 5 * 60_000 });
    const record = await manager.getValidToken("main");
    expect(calls).toEqual(["main"]);
    expect(record.accessToken.reveal()).toBe("token-1");
    expect(record.generation).toBeGreaterThan(1);
    expect(sink.records.get("main")?.accessToken.reveal()).toBe("token-1");
  });

  test("50 concurrent callers share one login", async () => {
    const sink = new MemorySink();
    const { calls, login } = countingLogin(20);
    const manager = new TokenManager({ sinks: [sink], login, now: clock });
    const records = await Promise.all(Array.from({ length: 50 }, () => manager.getValidToken("main")));
    expect(calls.length).toBe(1);
    expect(new Set(records.map((r) => r.accessToken.reveal()))).toEqual(new Set(["token-1"]));
  });

  test("different accounts log in separately", async () => {
    const { calls, login } = countingLogin();
    const manager = new TokenManager({ sinks: [new MemorySink()], login, now: clock });
    await Promise.all([manager.getValidToken("a"), manager.getValidToken("b"), manager.getValidToken("a")]);
    expect(calls.sort()).toEqual(["a", "b"]);
  });

  test("a failing sink is retried, bounded, and does not hold the token back from the others", async () => {
    const good = new MemorySink("good");
    const flaky = new MemorySink("flaky");
    const dead = new MemorySink("dead");
    flaky.failNextWrites = 2;
    dead.failNextWrites = 1000;
    const { login } = countingLogin();
    const manager = new TokenManager({
      sinks: [good, flaky, dead],
      login,
      now: clock,
      sleep: noSleep,
      sinkRetry: { attempts: 4, baseMs: 10, maxMs: 100 },
    });
    const result = await manager.refresh("main");
    expect(good.records.get("main")?.accessToken.reveal()).toBe("token-1");
    expect(flaky.records.get("main")?.accessToken.reveal()).toBe("token-1");
    expect(dead.records.has("main")).toBe(false);
    expect(dead.writes).toBe(4);
    const byName = Object.fromEntries(result.sinks.map((o) => [o.sink, o]));
    expect(byName.good).toMatchObject({ ok: true, attempts: 1 });
    expect(byName.flaky).toMatchObject({ ok: true, attempts: 3 });
    expect(byName.dead).toMatchObject({ ok: false, attempts: 4 });
  });

  test("generations only grow, even when the clock does not", async () => {
    const sink = new MemorySink();
    const { login } = countingLogin(0);
    const manager = new TokenManager({ sinks: [sink], login, now: clock });
    const first = await manager.refresh("main", { force: true });
    const second = await manager.refresh("main", { force: true });
    expect(second.record.generation).toBeGreaterThan(first.record.generation);
  });

  test("with a lock, a token written by another holder meanwhile is used instead of logging in", async () => {
    const sink = new MemorySink();
    const { calls, login } = countingLogin();
    const released: string[] = [];
    const lock = {
      async acquire(account: string): Promise<LockHandle> {
        // Another instance refreshed while we were waiting for the lock.
        sink.records.set(account, toRecord(account, fakeToken(99), NOW));
        return { release: async () => released.push(account) > 0 };
      },
    };
    const manager = new TokenManager({ sinks: [sink], login, now: clock, lock });
    const result = await manager.refresh("main");
    expect(result.loggedIn).toBe(false);
    expect(result.record.accessToken.reveal()).toBe("token-99");
    expect(calls).toEqual([]);
    expect(released).toEqual(["main"]);
  });

  test("a lock that cannot be had fails with LOCK_FAILED, retryable", async () => {
    const { login } = countingLogin();
    const lock = { acquire: async () => null };
    const manager = new TokenManager({ sinks: [new MemorySink()], login, now: clock, lock });
    await expect(manager.refresh("main")).rejects.toMatchObject({ code: "LOCK_FAILED", retryable: true });
  });

  test("a login failure reaches every concurrent caller and the next call tries again", async () => {
    let n = 0;
    const login = async () => {
      n++;
      if (n === 1) throw new Error("boom");
      return fakeToken(n);
    };
    const manager = new TokenManager({ sinks: [new MemorySink()], login, now: clock });
    const results = await Promise.allSettled([manager.getValidToken("x"), manager.getValidToken("x")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const record = await manager.getValidToken("x");
    expect(record.accessToken.reveal()).toBe("token-2");
  });
});
