import { describe, expect, test } from "bun:test";
import {
  AccountRefresher,
  createToken,
  type RefreshEvent,
  toRecord,
  type UpstoxToken,
  UpstoxTokenError,
} from "../src/index.js";
import { MemorySink } from "./memory-sink.js";

/** Fast catch-up for tests: real timers, real waits for conditions. */
const FAST = { baseMs: 10, maxMs: 40, checkEveryMs: 50, attemptTimeoutMs: 1_000 };

function token(n: number, accessToken = `token-${n}`): UpstoxToken {
  const now = Date.now();
  return createToken({
    accessToken,
    profile: { userId: "AB1234" },
    receivedAt: now,
    expiresAt: now + 6 * 3_600_000,
    source: "totp",
  });
}

function jwt(expSeconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "AB1234", exp: expSeconds })}.c2lnbmF0dXJl`;
}

async function until(probe: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function engine(options: Partial<ConstructorParameters<typeof AccountRefresher>[0]> = {}) {
  const events: RefreshEvent[] = [];
  let logins = 0;
  const r = new AccountRefresher({
    account: "main",
    sinks: [new MemorySink()],
    login: async () => token(++logins),
    sinkRetry: { attempts: 2, baseMs: 1, maxMs: 2 },
    retry: { attempts: 3, baseMs: 1, maxMs: 1 },
    catchUp: FAST,
    sleep: async () => {},
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { r, events, logins: () => logins };
}

describe("a failing sink never causes another login", () => {
  test("the only sink fails: one login, the token is held and served, and lands once the sink is back", async () => {
    const only = new MemorySink("only");
    only.failNextWrites = 1_000;
    const { r, events, logins } = engine({ sinks: [only] });
    const first = await r.refresh();
    expect(first).toMatchObject({ result: "refreshed", loggedIn: true, attempts: 1 });
    expect(logins()).toBe(1);
    expect(r.laggingSinks().map((s) => s.sink)).toEqual(["only"]);
    const lagging = events.find((e) => e.type === "sink-lagging");
    expect(lagging).toMatchObject({ sink: "only", error: { code: "SINK_FAILED" } });
    expect(lagging && "nextTryAt" in lagging && lagging.nextTryAt > lagging.at).toBe(true);
    // The next cycle serves the held token: still one login.
    expect(await r.refresh()).toMatchObject({ result: "served" });
    expect(r.heldRecord()?.accessToken.reveal()).toBe("token-1");
    expect(logins()).toBe(1);

    only.failNextWrites = 0;
    await until(() => only.records.has("main"), "the catch-up write");
    expect(only.records.get("main")?.accessToken.reveal()).toBe("token-1");
    expect(r.laggingSinks()).toEqual([]);
    expect(events.some((e) => e.type === "sink-caught-up" && e.sink === "only")).toBe(true);
    expect(logins()).toBe(1);
    r.close();
  });

  test("one of two sinks fails: the other holds the token at once; a newer token supersedes the one retried", async () => {
    const down = new MemorySink("down");
    down.failNextWrites = 1_000;
    const up = new MemorySink("up");
    const { r, logins } = engine({ sinks: [down, up] });
    await r.refresh();
    expect(up.records.get("main")?.accessToken.reveal()).toBe("token-1");
    expect(r.laggingSinks()).toMatchObject([{ sink: "down" }]);
    const forced = await r.refresh({ mode: "force" });
    expect(forced).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(logins()).toBe(2);
    const second = up.records.get("main")!;
    expect(r.laggingSinks()).toMatchObject([{ sink: "down", generation: second.generation }]);
    down.failNextWrites = 0;
    await until(() => down.records.has("main"), "the catch-up write");
    expect(down.records.get("main")?.accessToken.reveal()).toBe("token-2");
    r.close();
  });

  test("a lagging sink that meanwhile holds a newer generation (another process's) is never overwritten", async () => {
    const down = new MemorySink("down");
    down.failNextWrites = 1_000;
    const { r } = engine({ sinks: [down, new MemorySink("up")] });
    await r.refresh();
    const mine = r.heldRecord()!;
    const theirs = toRecord("main", token(99, "theirs"), mine.generation + 10);
    down.records.set("main", theirs);
    down.failNextWrites = 0;
    await until(() => r.laggingSinks().length === 0, "the sink counted as caught up");
    expect(down.records.get("main")?.accessToken.reveal()).toBe("theirs");
    r.close();
  });

  test("read-back: a sink that lost the token (a Redis restarted empty) gets it again without a login", async () => {
    const flaky = new MemorySink("redis");
    const { r, events, logins } = engine({ sinks: [new MemorySink("env"), flaky] });
    await r.refresh();
    expect(flaky.records.has("main")).toBe(true);
    flaky.records.clear();
    await until(() => flaky.records.has("main"), "the token written again");
    expect(events.some((e) => e.type === "sink-lagging" && e.sink === "redis")).toBe(true);
    expect(events.some((e) => e.type === "sink-caught-up" && e.sink === "redis")).toBe(true);
    expect(logins()).toBe(1);
    r.close();
  });
});

describe("a token is stored only when it is one", () => {
  test("not a JWT: TOKEN_MALFORMED, stored nowhere, one login", async () => {
    const sink = new MemorySink();
    let logins = 0;
    const { r } = engine({
      sinks: [sink],
      acceptNewTokens: true,
      login: async () => {
        logins++;
        return token(1, "not-a-jwt");
      },
    });
    expect(await r.refresh()).toMatchObject({ result: "failed", error: { code: "TOKEN_MALFORMED" } });
    expect(sink.writes).toBe(0);
    expect(r.heldRecord()).toBeNull();
    expect(logins).toBe(1);
    r.close();
  });

  test("a JWT whose exp is past: TOKEN_MALFORMED", async () => {
    const sink = new MemorySink();
    const { r } = engine({
      sinks: [sink],
      acceptNewTokens: true,
      login: async () => token(1, jwt(Math.floor(Date.now() / 1000) - 60)),
    });
    expect(await r.refresh()).toMatchObject({ result: "failed", error: { code: "TOKEN_MALFORMED" } });
    expect(sink.writes).toBe(0);
    r.close();
  });

  test("a JWT the profile endpoint refuses: TOKEN_REJECTED, stored nowhere; one it cannot reach is stored", async () => {
    const sink = new MemorySink();
    let answer: UpstoxTokenError = new UpstoxTokenError("INVALID_TOKEN", "Invalid token used to access API");
    const { r } = engine({
      sinks: [sink],
      acceptNewTokens: true,
      login: async () => token(1, jwt(Math.floor(Date.now() / 1000) + 3_600)),
      verifyToken: async () => {
        throw answer;
      },
    });
    expect(await r.refresh()).toMatchObject({ result: "failed", error: { code: "TOKEN_REJECTED" } });
    expect(sink.writes).toBe(0);
    answer = new UpstoxTokenError("NETWORK", "ECONNRESET", { retryable: true });
    expect(await r.refresh()).toMatchObject({ result: "refreshed" });
    expect(sink.records.has("main")).toBe(true);
    r.close();
  });
});

test("fail closed: a TypeError from the login is PIN state unknown, no second login in the cycle", async () => {
  let logins = 0;
  const { r } = engine({
    login: async () => {
      logins++;
      throw new TypeError("Cannot read properties of undefined (reading 'code')");
    },
  });
  const outcome = await r.refresh();
  expect(outcome).toMatchObject({ result: "failed", error: { code: "UNCLASSIFIED", retryable: false } });
  expect(outcome.result === "failed" && outcome.reason).toContain("unknown");
  expect(logins).toBe(1);
  r.close();
});

test("a lagging sink is no longer retried once the token it waits for has expired", async () => {
  const down = new MemorySink("down");
  down.failNextWrites = 1_000;
  let now = Date.now();
  const { r } = engine({ sinks: [down, new MemorySink("up")], now: () => now });
  await r.refresh();
  expect(r.laggingSinks()).toHaveLength(1);
  now += 7 * 3_600_000;
  await until(() => r.laggingSinks().length === 0, "the expired entry dropped");
  const writes = down.writes;
  await Bun.sleep(100);
  expect(down.writes).toBe(writes);
  r.close();
});
