import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  AccountRefresher,
  createToken,
  decideRetry,
  FileLock,
  loginWithTotp,
  type RefreshEvent,
  type TokenSink,
  toRecord,
  type UpstoxToken,
  UpstoxTokenError,
} from "../src/index.js";
import { demoConfig } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";

const NOW = Date.UTC(2026, 10, 22, 4, 0); // 09:30 IST
const NEXT_EXPIRY = Date.UTC(2026, 10, 22, 22, 0); // 03:30 IST on the 23rd

let emulator: Emulator;
let dir: string;
/** The emulator follows a test's fake clock when one is set, so a skipped TOTP wait is skipped on both sides. */
let fakeNow: (() => number) | undefined;
beforeAll(async () => {
  emulator = await startEmulator({ now: () => (fakeNow ? fakeNow() : Date.now()) });
  dir = mkdtempSync(join(tmpdir(), "refresher-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  emulator.reset();
  fakeNow = undefined;
});

function fakeToken(n: number, receivedAt = NOW): UpstoxToken {
  return createToken({
    accessToken: `token-${n}`,
    profile: { userId: "AB1234" },
    receivedAt,
    source: "totp",
  });
}

function fails(error: UpstoxTokenError, times: number, after: () => UpstoxToken) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    login: async () => {
      calls++;
      if (calls <= times) throw error;
      return after();
    },
  };
}

/** A sink that cannot read back (a webhook, a file consumers only read). */
class WriteOnlySink implements TokenSink {
  writes: number[] = [];
  constructor(readonly name = "write-only") {}
  async check() {}
  async write(record: { generation: number }) {
    this.writes.push(record.generation);
    return { status: "written" as const };
  }
  async close() {}
}

function refresher(options: Partial<ConstructorParameters<typeof AccountRefresher>[0]> = {}) {
  const events: RefreshEvent[] = [];
  const sleeps: number[] = [];
  const r = new AccountRefresher({
    account: "main",
    sinks: [new MemorySink()],
    login: async () => fakeToken(1),
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.999,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { r, events, sleeps };
}

describe("AccountRefresher", () => {
  test("serves a valid stored token with one read per sink, and brings a lagging sink up to date", async () => {
    const fresh = new MemorySink("fresh");
    const lagging = new MemorySink("lagging");
    const writeOnly = new WriteOnlySink();
    fresh.records.set("main", toRecord("main", fakeToken(0), 5));
    lagging.records.set("main", toRecord("main", fakeToken(0), 3));
    let reads = 0;
    for (const sink of [fresh, lagging]) {
      const read = sink.read.bind(sink);
      sink.read = async (account) => {
        reads++;
        return read(account);
      };
    }
    const { r, events } = refresher({
      sinks: [fresh, lagging, writeOnly],
      login: async () => {
        throw new Error("no login expected");
      },
    });
    const outcome = await r.refresh();
    expect(outcome).toMatchObject({ result: "served" });
    expect(reads).toBe(2);
    expect(lagging.records.get("main")?.generation).toBe(5);
    expect(writeOnly.writes).toEqual([5]);
    expect(events.map((e) => e.type)).toEqual(["synced", "served"]);
    // The next check finds nothing to sync (the write-only sink got this generation already).
    await r.refresh();
    expect(writeOnly.writes).toEqual([5]);
  });

  test("a revoked or expiring stored token is never served", async () => {
    const sink = new MemorySink();
    sink.records.set("main", { ...toRecord("main", fakeToken(0), 5), revokedAt: NOW - 1 });
    const { r } = refresher({ sinks: [sink] });
    expect(await r.refresh()).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(sink.records.get("main")?.accessToken.reveal()).toBe("token-1");
    expect(sink.records.get("main")?.generation).toBeGreaterThan(5);
  });

  test("single flight: concurrent calls share one login", async () => {
    let logins = 0;
    const { r } = refresher({
      login: async () => {
        logins++;
        await Promise.resolve();
        return fakeToken(logins);
      },
    });
    const all = await Promise.all([r.refresh(), r.refresh(), r.refresh()]);
    expect(logins).toBe(1);
    expect(new Set(all)).toHaveProperty("size", 1);
  });

  test("transient faults back off exponentially with jitter under the cap, then succeed", async () => {
    const login = fails(
      new UpstoxTokenError("NETWORK", "reset", { retryable: true, pin: "not-sent" }),
      3,
      () => fakeToken(1),
    );
    const { r, sleeps, events } = refresher({
      login: login.login,
      retry: { attempts: 5, baseMs: 100, maxMs: 250 },
    });
    expect(await r.refresh()).toMatchObject({ result: "refreshed", attempts: 4 });
    expect(sleeps).toEqual([99, 199, 249]);
    expect(events.filter((e) => e.type === "retrying")).toHaveLength(3);
  });

  test("the PIN rule: a PIN sent without an answer or refused ends the cycle; an accepted one may be resent", async () => {
    for (const pin of ["sent", "refused"] as const) {
      const login = fails(new UpstoxTokenError("NETWORK", "dropped", { retryable: true, pin }), 1, () =>
        fakeToken(1),
      );
      const { r } = refresher({ login: login.login });
      expect(await r.refresh()).toMatchObject({ result: "failed", attempts: 1, permanent: false });
      expect(login.calls).toBe(1);
    }
    const accepted = fails(
      new UpstoxTokenError("NETWORK", "exchange reset", { retryable: true, pin: "accepted" }),
      1,
      () => fakeToken(1),
    );
    const { r } = refresher({ login: accepted.login });
    expect(await r.refresh()).toMatchObject({ result: "refreshed", attempts: 2 });
  });

  test("a permanent error stops the account loudly; WRONG_TOTP is not logged in again", async () => {
    const wrongPin = fails(new UpstoxTokenError("WRONG_PIN", "wrong pin", { pin: "refused" }), 9, () =>
      fakeToken(1),
    );
    const a = refresher({ login: wrongPin.login });
    expect(await a.r.refresh()).toMatchObject({ result: "failed", permanent: true });
    expect(a.events.at(-1)).toMatchObject({ type: "failed", permanent: true });
    const wrongTotp = fails(
      new UpstoxTokenError("WRONG_TOTP", "bad code", { retryable: true, pin: "not-sent" }),
      9,
      () => fakeToken(1),
    );
    const b = refresher({ login: wrongTotp.login });
    expect(await b.r.refresh()).toMatchObject({ result: "failed", attempts: 1 });
    expect(wrongTotp.calls).toBe(1);
  });

  test("a rate limit ends the cycle with retryAt; a short Retry-After is waited out inside it", async () => {
    const long = fails(
      new UpstoxTokenError("RATE_LIMITED", "OTP limit", {
        retryable: true,
        waitAtLeastMs: 600_000,
        pin: "not-sent",
      }),
      9,
      () => fakeToken(1),
    );
    const a = refresher({ login: long.login });
    expect(await a.r.refresh()).toMatchObject({ result: "rate-limited", retryAt: NOW + 600_000 });
    expect(long.calls).toBe(1);
    expect(a.sleeps).toEqual([]);

    const short = fails(
      new UpstoxTokenError("RATE_LIMITED", "429", { retryable: true, waitAtLeastMs: 3_000, pin: "not-sent" }),
      1,
      () => fakeToken(1),
    );
    const b = refresher({ login: short.login, retry: { attempts: 3, baseMs: 10, maxMs: 20 } });
    expect(await b.r.refresh()).toMatchObject({ result: "refreshed" });
    expect(b.sleeps).toEqual([3_000]);
  });

  test("no retry starts after the token it would get expires", () => {
    const error = new UpstoxTokenError("NETWORK", "reset", { retryable: true });
    const decision = decideRetry({
      error,
      attempt: 1,
      policy: { attempts: 5, baseMs: 60_000, maxMs: 60_000 },
      now: NEXT_EXPIRY - 1_000,
      deadline: NEXT_EXPIRY,
      random: () => 0.5,
    });
    expect(decision).toMatchObject({ action: "stop" });
  });

  test("a slow sink holds back no other sink; a token stored nowhere is held, never a second login", async () => {
    const down = new MemorySink("down");
    down.failNextWrites = 99;
    const up = new MemorySink("up");
    const { r, events } = refresher({ sinks: [down, up], sinkRetry: { attempts: 2, baseMs: 1, maxMs: 2 } });
    expect(await r.refresh()).toMatchObject({ result: "refreshed" });
    expect(up.records.get("main")).toBeDefined();
    expect(events.some((e) => e.type === "sink-failed" && e.sink === "down")).toBe(true);

    const only = new MemorySink("only");
    only.failNextWrites = 99;
    const b = refresher({
      sinks: [only],
      sinkRetry: { attempts: 1, baseMs: 1, maxMs: 1 },
      retry: { attempts: 2, baseMs: 1, maxMs: 1 },
    });
    expect(await b.r.refresh()).toMatchObject({ result: "refreshed", loggedIn: true, attempts: 1 });
    expect(b.r.laggingSinks()).toMatchObject([{ sink: "only" }]);
    b.r.close();
  });

  test("a hung sink counts as failed after its attempt timeout; the token still reaches the others", async () => {
    const hung: TokenSink = { name: "hung", write: () => new Promise(() => {}) };
    const up = new MemorySink("up");
    const { r, events } = refresher({
      sinks: [hung, up],
      sinkRetry: { attempts: 2, baseMs: 1, maxMs: 1 },
      sinkAttemptTimeoutMs: 20,
    });
    const outcome = await r.refresh();
    expect(outcome).toMatchObject({ result: "refreshed" });
    expect(up.records.get("main")?.accessToken.reveal()).toBe("token-1");
    const failed = events.find((e) => e.type === "sink-failed");
    expect(failed).toMatchObject({ sink: "hung", error: { code: "SINK_FAILED" } });
    expect((failed as { error: Error }).error.message).toContain("did not answer within 20 ms");
  });

  test("a held lock: the waiting event names the holder and since when; the token stored meanwhile is taken", async () => {
    const lockDir = join(dir, "locks");
    const sink = new MemorySink();
    const first = new FileLock({ dir: lockDir, pollMs: 10 });
    const second = new FileLock({ dir: lockDir, pollMs: 10 });
    const held = await first.acquire("main", { waitMs: 0 });
    expect(held).not.toBeNull();
    let logins = 0;
    const { r, events } = refresher({
      sinks: [sink],
      lock: second,
      now: Date.now,
      login: async () => {
        logins++;
        return fakeToken(9, Date.now());
      },
    });
    const waiting = r.refresh({ mode: "force" });
    // The holder logs in and stores while the other waits.
    while (!events.some((e) => e.type === "waiting-for-lock")) await Bun.sleep(5);
    sink.records.set("main", toRecord("main", fakeToken(7, Date.now()), Date.now()));
    await held!.release();
    const outcome = await waiting;
    expect(outcome).toMatchObject({ result: "refreshed", loggedIn: false });
    expect(logins).toBe(0);
    const wait = events.find((e) => e.type === "waiting-for-lock");
    expect(wait).toMatchObject({ account: "main", holder: expect.stringContaining(`pid ${process.pid}`) });
    expect(typeof (wait as { since?: number }).since).toBe("number");
    await Promise.all([first.close(), second.close()]);
  });

  test("the fallback chain: blocked or out of attempts runs the next flow in the same cycle; a wrong PIN never does", async () => {
    let fallbackLogins = 0;
    const fallbacks = [
      {
        flow: "token-request",
        login: async () => {
          fallbackLogins++;
          return fakeToken(50);
        },
      },
    ];
    const blocked = fails(new UpstoxTokenError("BLOCKED", "cloudflare", { pin: "not-sent" }), 9, () =>
      fakeToken(1),
    );
    const a = refresher({ login: blocked.login, flow: "totp", fallbacks });
    expect(await a.r.refresh()).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(fallbackLogins).toBe(1);
    expect(a.events.find((e) => e.type === "fallback")).toMatchObject({ from: "totp", to: "token-request" });
    expect(a.events.some((e) => e.type === "failed")).toBe(false);

    const flaky = fails(
      new UpstoxTokenError("NETWORK", "reset", { retryable: true, pin: "not-sent" }),
      9,
      () => fakeToken(1),
    );
    const b = refresher({ login: flaky.login, fallbacks, retry: { attempts: 2, baseMs: 1, maxMs: 1 } });
    expect(await b.r.refresh()).toMatchObject({ result: "refreshed" });
    expect(flaky.calls).toBe(2);
    expect(fallbackLogins).toBe(2);

    const wrongPin = fails(new UpstoxTokenError("WRONG_PIN", "wrong", { pin: "refused" }), 9, () =>
      fakeToken(1),
    );
    const c = refresher({ login: wrongPin.login, fallbacks });
    expect(await c.r.refresh()).toMatchObject({
      result: "failed",
      permanent: true,
      error: { code: "WRONG_PIN" },
    });
    expect(fallbackLogins).toBe(2);
    expect(c.events.some((e) => e.type === "fallback")).toBe(false);
    expect(c.events.at(-1)).toMatchObject({ type: "failed", permanent: true });
  });

  test("fallbacks: false (the quiet morning) defers the chain: a retryable failure, never a suspension", async () => {
    let fallbackLogins = 0;
    const fallbacks = [
      {
        flow: "token-request",
        login: async () => {
          fallbackLogins++;
          return fakeToken(50);
        },
      },
    ];
    const outdated = fails(new UpstoxTokenError("APP_VERSION_OUTDATED", "old", { pin: "not-sent" }), 9, () =>
      fakeToken(1),
    );
    const a = refresher({ login: outdated.login, flow: "totp", fallbacks });
    const quiet = await a.r.refresh({ fallbacks: false });
    expect(quiet).toMatchObject({
      result: "failed",
      permanent: false,
      error: { code: "APP_VERSION_OUTDATED" },
    });
    expect((quiet as { reason: string }).reason).toContain("deferred");
    expect(fallbackLogins).toBe(0);
    // No fallback, and no suspension (in core's vocabulary: a `failed` event with permanent: true).
    expect(a.events.some((e) => e.type === "fallback" || (e.type === "failed" && e.permanent))).toBe(false);
    // Escalated: the same failure now runs the fallback in the same cycle.
    expect(await a.r.refresh({ fallbacks: true })).toMatchObject({ result: "refreshed" });
    expect(fallbackLogins).toBe(1);
  });

  test("against the emulator: one rejected TOTP then a good one is one login (1 generate, 2 verifies, 1 PIN)", async () => {
    emulator.rejectTotp(1);
    let now = Date.now();
    fakeNow = () => now;
    const config = demoConfig(emulator);
    const sink = new MemorySink();
    const r = new AccountRefresher({
      account: "main",
      sinks: [sink],
      // A clock that jumps over the wait for the next TOTP window instead of sleeping through it.
      login: () =>
        loginWithTotp(config, {
          now: () => now,
          sleep: async (ms) => {
            now += ms;
          },
        }),
      now: () => now,
    });
    expect(await r.refresh()).toMatchObject({ result: "refreshed", loggedIn: true, attempts: 1 });
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    expect(emulator.steps("otp-verify")).toHaveLength(2);
    expect(emulator.steps("2fa")).toHaveLength(1);
  });
});
