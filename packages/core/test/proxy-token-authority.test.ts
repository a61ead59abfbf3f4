import { describe, expect, test } from "bun:test";
import { EngineTokenAuthority, secret, TokenHolder, type TokenRecord } from "../src/index.js";

const HOUR = 3_600_000;

function record(generation: number, expiresAt: number): TokenRecord {
  return {
    account: "main",
    generation,
    accessToken: secret(`token-${generation}`),
    issuedAt: expiresAt - 20 * HOUR,
    expiresAt,
    source: "totp",
    profile: { userId: "U1", userName: "u", email: "u@x" },
  } as unknown as TokenRecord;
}

/**
 * An engine stand-in: what its sinks hold, and its start-up run (resolved by the test); no cycle of the account
 * is seen in flight (the start-up run's began before the proxy listened).
 */
function source(stored: () => TokenRecord | null, caughtUp?: Promise<unknown>) {
  return {
    holder: new TokenHolder(),
    inFlight: () => undefined,
    readStored: async () => stored(),
    refresh: async () => ({ result: "aborted" }) as never,
    caughtUp: caughtUp ?? null,
  };
}

describe("the proxy's token authority", () => {
  test("after the wall clock jumps past the expiry, the token held keeps being used until its real lifetime ends", async () => {
    let wall = Date.UTC(2026, 11, 8, 4, 0);
    let mono = 1_000;
    const held = record(1, wall + 2 * HOUR);
    const authority = new EngineTokenAuthority(
      source(() => held),
      () => wall,
      () => mono,
    );
    expect((await authority.current("main"))?.token).toBe("token-1");
    // NTP steps the clock a day forward; one real minute passed.
    wall += 24 * HOUR;
    mono += 60_000;
    expect((await authority.current("main"))?.token).toBe("token-1");
    expect((await authority.current("main", { reload: true }))?.token).toBe("token-1");
    // Its two hours really passed: retired.
    mono += 2 * HOUR;
    expect(await authority.current("main")).toBeUndefined();
  });

  test("a revoked token is never used, whatever the clocks say", async () => {
    const wall = Date.UTC(2026, 11, 8, 4, 0);
    const revoked = { ...record(1, wall + HOUR), revokedAt: wall - 1 };
    const authority = new EngineTokenAuthority(
      source(() => revoked),
      () => wall,
      () => 0,
    );
    expect(await authority.current("main")).toBeUndefined();
  });

  test("a request during a start-up run that began before the proxy listened waits for it (no spurious PROXY_NO_TOKEN)", async () => {
    let stored: TokenRecord | null = null;
    let finish = () => {};
    const caughtUp = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const authority = new EngineTokenAuthority(source(() => stored, caughtUp));
    const waiting = authority.current("main", { waitMs: 60_000 });
    // No cycle of the account was seen in flight (it fired before the authority subscribed): still a wait, not a no.
    stored = record(1, Date.now() + HOUR);
    finish();
    expect((await waiting)?.token).toBe("token-1");
    // A mutation asks without waitMs: answered at once.
    stored = null;
    const fresh = new EngineTokenAuthority(source(() => null, new Promise(() => {})));
    expect(await fresh.current("main")).toBeUndefined();
  });

  test("a wait ends as soon as the program that asked goes away", async () => {
    const authority = new EngineTokenAuthority(source(() => null, new Promise(() => {})));
    const leave = new AbortController();
    const waiting = authority.current("main", { waitMs: 60_000, signal: leave.signal });
    leave.abort();
    expect(await waiting).toBeUndefined();
  });
});
