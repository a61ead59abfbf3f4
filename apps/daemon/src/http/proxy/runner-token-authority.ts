import { isRecordUsable, type TokenRecord } from "@upstox-token/core";
import type { DaemonEvents } from "../../observe/events.js";
import type { AccountOutcome } from "../../runner/daemon.js";
import type { CurrentToken, RefreshNowResult, TokenAuthority } from "./token-authority.js";

/** The part of the daemon the adapter uses. */
export interface RunnerTokenSource {
  readonly events: DaemonEvents;
  storedRecord(account: string): Promise<TokenRecord | null>;
  refreshNow(
    account: string,
    reason: string,
    options?: { force?: boolean; cause?: "manual" | "watchdog" },
  ): Promise<AccountOutcome>;
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
  readonly #records = new Map<string, TokenRecord>();
  readonly #reads = new Map<string, Promise<TokenRecord | null>>();
  /** Refresh cycles in flight per account (from the events), so a request can wait for the first token. */
  readonly #cycles = new Map<string, { done: Promise<void>; end: () => void }>();
  readonly #unsubscribe: () => void;

  constructor(source: RunnerTokenSource, now: () => number = Date.now) {
    this.#source = source;
    this.#now = now;
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
    if (!held || held.generation <= record.generation) this.#records.set(record.account, record);
  }

  async current(
    account: string,
    options: { reload?: boolean; waitMs?: number } = {},
  ): Promise<CurrentToken | undefined> {
    const found = await this.#current(account, options.reload ?? false);
    const cycle = this.#cycles.get(account);
    if (found || !options.waitMs || !cycle) return found;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.waitMs);
    });
    await Promise.race([cycle.done, timeout]);
    clearTimeout(timer);
    return this.#current(account, true);
  }

  async #current(account: string, reload: boolean): Promise<CurrentToken | undefined> {
    const held = this.#records.get(account);
    if (!reload && held && isRecordUsable(held, this.#now())) return toCurrent(held);
    // One sink read per account at a time, however many requests arrive together.
    let read = this.#reads.get(account);
    if (!read) {
      read = this.#source.storedRecord(account).finally(() => this.#reads.delete(account));
      this.#reads.set(account, read);
    }
    const stored = await read;
    if (stored) this.#keep(stored);
    const newest = this.#records.get(account);
    return newest && isRecordUsable(newest, this.#now()) ? toCurrent(newest) : undefined;
  }

  async refreshNow(account: string, reason: string): Promise<RefreshNowResult> {
    // Forced: the stored token looks valid by its expiry, but Upstox refused it.
    const outcome = await this.#source.refreshNow(account, reason, { force: true, cause: "watchdog" });
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
