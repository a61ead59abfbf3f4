import type { UpstoxTokenError } from "@upstox-token/core";
import type { AccountStatus } from "../observe/events.js";

/** The per-account state the runner keeps (never a token), for status(), /healthz and metrics. */
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
