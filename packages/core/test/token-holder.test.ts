import { describe, expect, test } from "bun:test";
import {
  createToken,
  EngineTokenAuthority,
  type RefreshOutcome,
  TokenHolder,
  type TokenRecord,
  toRecord,
  UpstoxTokenError,
} from "../src/index.js";

const NOW = Date.UTC(2026, 10, 22, 4, 0); // 09:30 IST

function record(generation: number, account = "main"): TokenRecord {
  const token = createToken({
    accessToken: `token-${generation}`,
    profile: { userId: "AB1234" },
    receivedAt: NOW,
    source: "totp",
  });
  return toRecord(account, token, generation);
}

/** An engine stand-in: counts sink reads and forced cycles; its cycle in flight resolves when told. */
function source(options: { stored?: TokenRecord | null; outcome?: RefreshOutcome } = {}) {
  const holder = new TokenHolder();
  const calls = { reads: 0, refreshes: 0 };
  let inFlight: Promise<unknown> | undefined;
  return {
    holder,
    calls,
    startCycle(): () => void {
      let end = () => {};
      inFlight = new Promise<void>((resolve) => {
        end = () => {
          inFlight = undefined;
          resolve();
        };
      });
      return end;
    },
    inFlight: () => inFlight,
    refresh: async () => {
      calls.refreshes++;
      return options.outcome ?? { result: "aborted" as const };
    },
    readStored: async () => {
      calls.reads++;
      return options.stored ?? null;
    },
  };
}

describe("TokenHolder and the engine's token authority", () => {
  test("the holder keeps the newest generation from stored, served and synced events; others are ignored", () => {
    const holder = new TokenHolder();
    holder.observe({
      type: "stored",
      account: "main",
      record: record(2),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    holder.observe({ type: "served", account: "main", record: record(1), at: NOW });
    holder.observe({ type: "refreshing", account: "main", attempt: 1, at: NOW });
    expect(holder.get("main")?.generation).toBe(2);
    holder.observe({ type: "synced", account: "main", record: record(3), sinks: ["env"], at: NOW });
    expect(holder.usable("main", NOW)?.generation).toBe(3);
    expect(holder.usable("main", Date.UTC(2026, 10, 23, 0, 0))).toBeUndefined();
    holder.retain([]);
    expect(holder.get("main")).toBeUndefined();
  });

  test("a token the engine produced is handed over from memory: no sink read, not even when it expired", async () => {
    const s = source({ stored: record(9) });
    const authority = new EngineTokenAuthority(s, () => NOW);
    s.holder.keep(record(4));
    expect((await authority.current("main"))?.token).toBe("token-4");
    expect(await new EngineTokenAuthority(s, () => NOW + 86_400_000).current("main")).toBeUndefined();
    expect(s.calls.reads).toBe(0);
    // reload: another process may have renewed it, so the sinks are asked.
    expect((await authority.current("main", { reload: true }))?.generation).toBe(9);
    expect(s.calls.reads).toBe(1);
  });

  test("with no token yet, a request waits for the engine's cycle in flight and gets its token", async () => {
    const s = source();
    const authority = new EngineTokenAuthority(s, () => NOW);
    const end = s.startCycle();
    const asked = authority.current("main", { waitMs: 10_000 });
    s.holder.observe({
      type: "stored",
      account: "main",
      record: record(5),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    end();
    expect((await asked)?.token).toBe("token-5");
    expect(s.calls.reads).toBe(0);
  });

  test("a re-login's token comes from the cycle's own outcome, whatever order the events arrive in", async () => {
    const fresh = record(7);
    const s = source({
      outcome: { result: "refreshed", record: fresh, loggedIn: true, attempts: 1, sinks: [] },
    });
    const authority = new EngineTokenAuthority(s, () => NOW);
    const result = await authority.refreshNow("main", "401");
    expect(result).toEqual({
      ok: true,
      token: { token: "token-7", generation: 7, expiresAt: fresh.expiresAt },
    });
    expect(s.calls).toEqual({ reads: 0, refreshes: 1 });

    const error = new UpstoxTokenError("WRONG_PIN", "wrong PIN", { hint: "fix the PIN" });
    const failing = source({
      outcome: { result: "failed", error, attempts: 1, permanent: true, reason: "r" },
    });
    expect(await new EngineTokenAuthority(failing, () => NOW).refreshNow("main", "401")).toEqual({
      ok: false,
      code: "WRONG_PIN",
      message: "wrong PIN",
      hint: "fix the PIN",
    });
  });
});
