import type { TokenRecord } from "@upstox-token/core";
import type { DaemonEvents } from "../../observe/events.js";
import type { AccountOutcome } from "../../runner/daemon.js";
import type { CurrentToken, RefreshNowResult, TokenAuthority } from "./token-authority.js";

/** The part of the daemon the adapter uses. */
export interface RunnerTokenSource {
  readonly events: DaemonEvents;
  storedRecord(account: string): Promise<TokenRecord | null>;
  refreshNow(account: string, reason: string, options?: { force?: boolean }): Promise<AccountOutcome>;
  /** The start-up catch-up run, when one is going (its logins may have begun before the proxy listened). */
  readonly caughtUp?: Promise<unknown> | null;
}

/** A record and when it reached this process, on the wall clock and on the monotonic one. */
interface Held {
  record: TokenRecord;
  wall: number;
  mono: number;
}

const toCurrent = (record: TokenRecord): CurrentToken => ({
  token: record.accessToken.reveal(),
  generation: record.generation,
  expiresAt: record.expiresAt,
});

/**
 * TokenAuthority over today's DaemonRunner. Keeps each account's newest record in memory (from the runner's
 * events, or one sink read), so a proxied request costs no sink read.
 */
export class RunnerTokenAuthority implements TokenAuthority {
  readonly #source: RunnerTokenSource;
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #records = new Map<string, Held>();
  readonly #reads = new Map<string, Promise<TokenRecord | null>>();
  /** Refresh cycles in flight per account (from the events), so a request can wait for the first token. */
  readonly #cycles = new Map<string, { done: Promise<void>; end: () => void }>();
  /** The start-up run until it ends: a request may wait for it like for a cycle it saw start. */
  #catchUp: Promise<void> | undefined;
  readonly #unsubscribe: () => void;

  constructor(
    source: RunnerTokenSource,
    now: () => number = Date.now,
    monotonic: () => number = () => performance.now(),
  ) {
    this.#source = source;
    this.#now = now;
    this.#mono = monotonic;
    if (source.caughtUp) {
      const settled = source.caughtUp.then(
        () => {},
        () => {},
      );
      this.#catchUp = settled;
      void settled.then(() => {
        if (this.#catchUp === settled) this.#catchUp = undefined;
      });
    }
    this.#unsubscribe = source.events.on((event) => {
      if (event.type === "refresh-succeeded") this.#keep(event.record);
      if (event.type === "refresh-started" && !this.#cycles.has(event.account)) {
        let end = () => {};
        const done = new Promise<void>((resolve) => {
          end = resolve;
        });
        this.#cycles.set(event.account, { done, end });
      }
      const over =
        event.type === "refresh-succeeded" ||
        event.type === "refresh-skipped" ||
        (event.type === "refresh-failed" && !event.willRetry);
      if (over) {
        this.#cycles.get(event.account)?.end();
        this.#cycles.delete(event.account);
      }
    });
  }

  #keep(record: TokenRecord): void {
    const held = this.#records.get(record.account);
    // The same generation again (a sink re-read) keeps its first arrival: that is what the clocks measure from.
    if (held && held.record.generation >= record.generation) return;
    this.#records.set(record.account, { record, wall: this.#now(), mono: this.#mono() });
  }

  /**
   * Not revoked, and not expired by either clock: by the wall clock, or by the time that has really passed
   * since it arrived. A wall clock that jumps forward (a VM resumed, NTP stepping) does not retire a token
   * Upstox still accepts; one that jumps back is caught by Upstox's 401 and the watchdog.
   */
  #usable(held: Held | undefined): held is Held {
    if (!held || held.record.revokedAt !== undefined) return false;
    if (held.record.expiresAt > this.#now()) return true;
    return this.#mono() - held.mono < held.record.expiresAt - held.wall;
  }

  async current(
    account: string,
    options: { reload?: boolean; waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<CurrentToken | undefined> {
    // Taken before the read: a login that ends while the sinks are read is still waited for (then read again).
    const pending = this.#cycles.get(account)?.done ?? this.#catchUp;
    const found = await this.#current(account, options.reload ?? false);
    if (found || !options.waitMs || !pending || options.signal?.aborted) return found;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort = () => {};
    const stop = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.waitMs);
      onAbort = () => resolve();
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    await Promise.race([pending, stop]);
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    if (options.signal?.aborted) return undefined;
    return this.#current(account, true);
  }

  async #current(account: string, reload: boolean): Promise<CurrentToken | undefined> {
    const held = this.#records.get(account);
    if (!reload && this.#usable(held)) return toCurrent(held.record);
    // One sink read per account at a time, however many requests arrive together.
    let read = this.#reads.get(account);
    if (!read) {
      read = this.#source.storedRecord(account).finally(() => this.#reads.delete(account));
      this.#reads.set(account, read);
    }
    const stored = await read;
    if (stored) this.#keep(stored);
    const newest = this.#records.get(account);
    return this.#usable(newest) ? toCurrent(newest.record) : undefined;
  }

  async refreshNow(account: string, reason: string): Promise<RefreshNowResult> {
    // Forced: the stored token looks valid by its expiry, but Upstox refused it.
    const outcome = await this.#source.refreshNow(account, reason, { force: true });
    if (outcome.result === "refreshed" || outcome.result === "skipped") {
      const token = await this.current(account, { reload: outcome.result === "skipped" });
      if (token) return { ok: true, token };
      return { ok: false, code: "NO_TOKEN", message: "the refresh ended without a usable token" };
    }
    if (outcome.result === "failed" || (outcome.result === "suspended" && outcome.error)) {
      const error = outcome.error as NonNullable<typeof outcome.error>;
      return { ok: false, code: error.code, message: error.message, hint: error.hint };
    }
    return { ok: false, code: outcome.result.toUpperCase(), message: `the refresh was ${outcome.result}` };
  }

  close(): void {
    this.#unsubscribe();
    for (const cycle of this.#cycles.values()) cycle.end();
  }
}
