import type { UpstoxTokenError } from "../errors.js";
import type { TokenRecord } from "../record.js";
import type { RefreshOutcome } from "./account-refresher.js";
import type { TokenHolder } from "./token-holder.js";

/**
 * What the proxy and the watchdog need from whatever keeps the tokens: the current token of an account, and a
 * re-login now. `EngineTokenAuthority` provides it from the engine's own results (the token holder).
 */
export interface CurrentToken {
  /** The raw access token. Handle like a password: never log it, never send it anywhere but Upstox. */
  token: string;
  /** Increases with every new token of the account: tells "already renewed" from "still the dead one". */
  generation: number;
  expiresAt: number;
}

export type RefreshNowResult =
  | { ok: true; token: CurrentToken }
  | { ok: false; code: string; message: string; hint?: string | undefined };

export interface CurrentOptions {
  reload?: boolean;
  waitMs?: number;
  signal?: AbortSignal;
}

export interface TokenAuthority {
  /**
   * The account's usable token; `reload` re-reads the sinks (another process may have renewed it); `waitMs`:
   * with no token yet but a refresh running (the start-up login), wait up to this long for it; `signal`: stop
   * waiting when it aborts (the program that asked went away). "Usable" survives a wall-clock jump: a token
   * is not retired while the time really passed since it arrived is short of its lifetime.
   */
  current(account: string, options?: CurrentOptions): Promise<CurrentToken | undefined>;
  /** Logs the account in now, even when its stored token looks valid (Upstox refused it). */
  refreshNow(account: string, reason: string): Promise<RefreshNowResult>;
}

/** What the engine's shell (the daemon's runner) offers the authority. */
export interface EngineTokenSource {
  /** The engine's results, in memory: fed by its `stored` and `served` events. */
  readonly holder: TokenHolder;
  /** The engine's cycle in flight for the account (its single-flight), if one runs. */
  inFlight(account: string): Promise<unknown> | undefined;
  /** One forced engine cycle (Upstox refused the token): its outcome carries the new record. */
  refresh(
    account: string,
    reason: string,
  ): Promise<RefreshOutcome | { result: "suspended"; error: UpstoxTokenError }>;
  /**
   * The newest record in the sinks. Read only for a token another process may have stored (`reload`) or when
   * the engine has produced none for the account yet; never for a token the engine handed over.
   */
  readStored(account: string): Promise<TokenRecord | null>;
  /** The start-up catch-up run, when one is going (its logins may have begun before the proxy listened). */
  readonly caughtUp?: Promise<unknown> | null | undefined;
}

/** When a generation of an account was first seen here, on the wall clock and on the monotonic one. */
interface Arrival {
  generation: number;
  wall: number;
  mono: number;
}

export const toCurrentToken = (record: TokenRecord): CurrentToken => ({
  token: record.accessToken.reveal(),
  generation: record.generation,
  expiresAt: record.expiresAt,
});

/**
 * TokenAuthority over the refresh engine: the token comes from the holder the engine feeds, a re-login's token
 * from the cycle's own outcome, and a wait for the first token from the engine's cycle in flight.
 */
export class EngineTokenAuthority implements TokenAuthority {
  readonly #source: EngineTokenSource;
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #arrivals = new Map<string, Arrival>();
  /** The start-up run until it ends: a request may wait for it like for a cycle in flight. */
  #catchUp: Promise<void> | undefined;

  constructor(
    source: EngineTokenSource,
    now: () => number = Date.now,
    monotonic: () => number = () => performance.now(),
  ) {
    this.#source = source;
    this.#now = now;
    this.#mono = monotonic;
    if (source.caughtUp) {
      const settled = source.caughtUp.then(noop, noop);
      this.#catchUp = settled;
      void settled.then(() => {
        if (this.#catchUp === settled) this.#catchUp = undefined;
      });
    }
  }

  async current(account: string, options: CurrentOptions = {}): Promise<CurrentToken | undefined> {
    const { holder } = this.#source;
    const { waitMs, signal } = options;
    if (!options.reload) {
      const held = this.#usable(account);
      if (held) return toCurrentToken(held);
      const cycle = this.#source.inFlight(account);
      if (cycle && waitMs && !signal?.aborted) {
        await waitAtMost(cycle, waitMs, signal);
        if (signal?.aborted) return undefined;
        const after = this.#usable(account);
        if (after) return toCurrentToken(after);
      }
      // A token the engine produced is never read back; the sinks are asked only when it has produced none.
      if (holder.get(account)) return undefined;
    }
    // Taken before the read: a start-up run that ends while the sinks are read is still waited for (then read).
    const catchUp = this.#catchUp;
    const found = await this.#readStored(account);
    if (found || !waitMs || !catchUp || signal?.aborted) return found;
    // No cycle of this account was seen start, but the start-up run may be logging it in: wait for that run.
    await waitAtMost(catchUp, waitMs, signal);
    if (signal?.aborted) return undefined;
    const after = this.#usable(account);
    return after ? toCurrentToken(after) : this.#readStored(account);
  }

  async #readStored(account: string): Promise<CurrentToken | undefined> {
    const stored = await this.#source.readStored(account);
    if (stored) this.#source.holder.keep(stored);
    const newest = this.#usable(account);
    return newest ? toCurrentToken(newest) : undefined;
  }

  /**
   * The held record when it is not revoked and not expired by either clock: by the wall clock, or by the time
   * that has really passed since this authority first saw it. A wall clock that jumps forward (a VM resumed,
   * NTP stepping) does not retire a token Upstox still accepts; one that jumps back is caught by Upstox's 401
   * and the watchdog.
   */
  #usable(account: string): TokenRecord | undefined {
    const record = this.#source.holder.get(account);
    if (!record || record.revokedAt !== undefined) return undefined;
    let arrival = this.#arrivals.get(account);
    if (!arrival || arrival.generation < record.generation) {
      // The same generation again (a sink re-read) keeps its first arrival: that is what the clocks measure from.
      arrival = { generation: record.generation, wall: this.#now(), mono: this.#mono() };
      this.#arrivals.set(account, arrival);
    }
    if (record.expiresAt > this.#now()) return record;
    return this.#mono() - arrival.mono < record.expiresAt - arrival.wall ? record : undefined;
  }

  async refreshNow(account: string, reason: string): Promise<RefreshNowResult> {
    // Forced: the stored token looks valid by its expiry, but Upstox refused it.
    const outcome = await this.#source.refresh(account, reason);
    if (outcome.result === "refreshed" || outcome.result === "served") {
      this.#source.holder.keep(outcome.record);
      const held = this.#source.holder.usable(account, this.#now());
      if (held) return { ok: true, token: toCurrentToken(held) };
      return { ok: false, code: "NO_TOKEN", message: "the refresh ended without a usable token" };
    }
    if (outcome.result === "aborted") {
      return { ok: false, code: "ABORTED", message: "the refresh was aborted" };
    }
    const { error } = outcome;
    return { ok: false, code: error.code, message: error.message, hint: error.hint };
  }
}

async function waitAtMost(
  pending: Promise<unknown>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = noop;
  const stop = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    onAbort = () => resolve();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  await Promise.race([pending.then(noop, noop), stop]);
  clearTimeout(timer);
  signal?.removeEventListener("abort", onAbort);
}

function noop(): void {}
