/**
 * What the proxy and the watchdog need from whatever keeps the tokens: the current token of an account, and a
 * re-login now. Today the daemon's runner provides it (runner-token-authority.ts); the core refresh engine can
 * provide the same without the proxy changing.
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
