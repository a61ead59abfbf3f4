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

export interface TokenAuthority {
  /**
   * The account's usable token; `reload` re-reads the sinks (another process may have renewed it); `waitMs`:
   * with no token yet but a refresh running (the start-up login), wait up to this long for it.
   */
  current(
    account: string,
    options?: { reload?: boolean; waitMs?: number },
  ): Promise<CurrentToken | undefined>;
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

  constructor(source: EngineTokenSource, now: () => number = Date.now) {
    this.#source = source;
    this.#now = now;
  }

  async current(
    account: string,
    options: { reload?: boolean; waitMs?: number } = {},
  ): Promise<CurrentToken | undefined> {
    const { holder } = this.#source;
    if (!options.reload) {
      const held = holder.usable(account, this.#now());
      if (held) return toCurrentToken(held);
      const cycle = this.#source.inFlight(account);
      if (cycle && options.waitMs) {
        await waitAtMost(cycle, options.waitMs);
        const after = holder.usable(account, this.#now());
        if (after) return toCurrentToken(after);
      }
      // A token the engine produced is never read back; the sinks are asked only when it has produced none.
      if (holder.get(account)) return undefined;
    }
    const stored = await this.#source.readStored(account);
    if (stored) holder.keep(stored);
    const newest = holder.usable(account, this.#now());
    return newest ? toCurrentToken(newest) : undefined;
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

async function waitAtMost(cycle: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([cycle.then(noop, noop), timeout]);
  clearTimeout(timer);
}

function noop(): void {}
