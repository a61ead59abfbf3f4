import { describe, expect, test } from "bun:test";
import {
  type CurrentToken,
  type RefreshNowResult,
  type TokenAuthority,
  type TokenHealth,
  TokenWatchdog,
} from "../src/index.js";
import { captureLogger as memoryLogger } from "./helpers.js";

/** An authority whose re-logins are counted; every re-login hands out the next generation. */
function authority(start: CurrentToken | undefined, fail = false) {
  let current = start;
  const calls = { refresh: 0 };
  const api: TokenAuthority = {
    current: async () => current,
    refreshNow: async (): Promise<RefreshNowResult> => {
      calls.refresh++;
      if (fail) return { ok: false, code: "WRONG_PIN", message: "wrong PIN", hint: "fix the PIN" };
      current = {
        token: `t${calls.refresh + 1}`,
        generation: (current?.generation ?? 0) + 1,
        expiresAt: 9e15,
      };
      return { ok: true, token: current };
    },
  };
  return { api, calls };
}

const dead = async (): Promise<TokenHealth> => "dead";

describe("TokenWatchdog", () => {
  test("one check and one re-login for a burst of refusals; a refusal of an older generation just gets the new token", async () => {
    let now = 0;
    let checks = 0;
    const { api, calls } = authority({ token: "t1", generation: 1, expiresAt: 9e15 });
    const watchdog = new TokenWatchdog({
      authority: api,
      verify: async () => {
        checks++;
        return "dead";
      },
      cooldownMs: 300_000,
      now: () => now,
      logger: memoryLogger(),
    });
    const verdicts = await Promise.all([1, 2, 3].map(() => watchdog.tokenRefused("main", 1, "GET /x")));
    expect(verdicts.every((v) => v.renewed)).toBe(true);
    expect(checks).toBe(1);
    expect(calls.refresh).toBe(1);
    const late = await watchdog.tokenRefused("main", 1, "GET /x");
    expect(late).toMatchObject({ renewed: true, loggedIn: false });
    expect(calls.refresh).toBe(1);

    // The new token dies too: within the cooldown no login; after it, one.
    now += 60_000;
    expect(await watchdog.tokenRefused("main", 2, "GET /x")).toMatchObject({
      renewed: false,
      reason: "cooldown",
    });
    now += 240_001;
    expect(await watchdog.tokenRefused("main", 2, "GET /x")).toMatchObject({ renewed: true, loggedIn: true });
    expect(calls.refresh).toBe(2);
  });

  test("a token the profile check accepts, or cannot check, is kept; a failed re-login reports code and hint", async () => {
    const kept = authority({ token: "t1", generation: 1, expiresAt: 9e15 });
    for (const health of ["alive", "unknown"] as const) {
      const watchdog = new TokenWatchdog({
        authority: kept.api,
        verify: async () => health,
        cooldownMs: 300_000,
        logger: memoryLogger(),
      });
      const verdict = await watchdog.tokenRefused("main", 1, "GET /x");
      expect(verdict).toMatchObject({ renewed: false, reason: health === "alive" ? "alive" : "unverified" });
    }
    expect(kept.calls.refresh).toBe(0);

    const failing = authority({ token: "t1", generation: 1, expiresAt: 9e15 }, true);
    const outcomes: string[] = [];
    const watchdog = new TokenWatchdog({
      authority: failing.api,
      verify: dead,
      cooldownMs: 300_000,
      logger: memoryLogger(),
      onRefresh: (_account, outcome) => outcomes.push(outcome),
    });
    expect(await watchdog.tokenRefused("main", 1, "POST /v2/order/place")).toEqual({
      renewed: false,
      reason: "refresh-failed",
      code: "WRONG_PIN",
      hint: "fix the PIN",
    });
    expect(outcomes).toEqual(["failed"]);
  });
});
