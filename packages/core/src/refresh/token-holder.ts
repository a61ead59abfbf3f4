import { isRecordUsable, type TokenRecord } from "../record.js";
import type { RefreshEvent } from "./events.js";

/**
 * Each account's newest token, in memory, as the engine produced or served it (Vault agent's in-memory sink):
 * the engine's `stored`, `served` and `synced` events feed it, and the proxy and the watchdog read it. Holds
 * tokens: never log it.
 */
export class TokenHolder {
  readonly #records = new Map<string, TokenRecord>();

  /** Feed every RefreshEvent here (the engine's `onEvent`); events without a record are ignored. */
  observe(event: RefreshEvent): void {
    if (event.type === "stored" || event.type === "served" || event.type === "synced")
      this.keep(event.record);
  }

  /** Keeps the record unless a newer generation of the account is held already. */
  keep(record: TokenRecord): void {
    const held = this.#records.get(record.account);
    if (!held || held.generation <= record.generation) this.#records.set(record.account, record);
  }

  /** The newest record held for the account (maybe expired or revoked). */
  get(account: string): TokenRecord | undefined {
    return this.#records.get(account);
  }

  /** The held record when it is usable at `now` (not expired, not revoked). */
  usable(account: string, now: number): TokenRecord | undefined {
    const held = this.#records.get(account);
    return held && isRecordUsable(held, now) ? held : undefined;
  }

  /** Forgets accounts no longer configured (after a reload). */
  retain(accounts: readonly string[]): void {
    const keep = new Set(accounts);
    for (const name of [...this.#records.keys()]) if (!keep.has(name)) this.#records.delete(name);
  }
}
