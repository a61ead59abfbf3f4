import type { UpstoxTokenError } from "@upstox-token/core";
import type { DaemonEvent } from "./event-bus.js";

/** Per-account state the runner keeps and the status endpoint shows. Never holds a token. */
export interface AccountStatus {
  account: string;
  expiresAt: number | null;
  lastRefreshAt: number | null;
  lastError: {
    code: string;
    message: string;
    hint?: string | undefined;
    upstoxCode?: string | undefined;
    at: number;
  } | null;
  nextRunAt: number | null;
  logins: number;
  failures: number;
}

/**
 * The per-account state (never a token), for status(), /healthz and metrics, kept from the engine's events:
 * `served` and `stored` set the expiry, a cycle that ends in failure (`failed`, `rate-limited`) records it.
 */
export class AccountStatusBook {
  readonly #byAccount = new Map<string, AccountStatus>();

  ensure(account: string): AccountStatus {
    let status = this.#byAccount.get(account);
    if (!status) {
      status = {
        account,
        expiresAt: null,
        lastRefreshAt: null,
        lastError: null,
        nextRunAt: null,
        logins: 0,
        failures: 0,
      };
      this.#byAccount.set(account, status);
    }
    return status;
  }

  /** Applies one event (the runner calls this before any listener hears it, so the status is current). */
  apply(event: DaemonEvent): void {
    switch (event.type) {
      case "served":
        this.ensure(event.account).expiresAt = event.record.expiresAt;
        return;
      case "stored": {
        const status = this.ensure(event.account);
        status.expiresAt = event.record.expiresAt;
        status.lastRefreshAt = event.at;
        if (event.loggedIn) status.logins++;
        return;
      }
      case "failed":
      case "rate-limited":
        this.recordError(event.account, event.error, event.at);
        return;
      default:
        return;
    }
  }

  recordError(account: string, error: UpstoxTokenError, at: number): void {
    const status = this.ensure(account);
    status.failures++;
    status.lastError = {
      code: error.code,
      message: error.message,
      hint: error.hint,
      upstoxCode: error.upstoxCode,
      at,
    };
  }

  /** Keeps only the named accounts (after a reload), in this order. */
  retain(accounts: string[]): void {
    const keep = new Set(accounts);
    for (const name of [...this.#byAccount.keys()]) if (!keep.has(name)) this.#byAccount.delete(name);
    for (const name of accounts) this.ensure(name);
  }

  list(order: string[]): AccountStatus[] {
    return order.map((name) => ({ ...this.ensure(name), lastError: this.ensure(name).lastError }));
  }
}
