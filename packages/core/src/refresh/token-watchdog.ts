import type { Logger } from "../logger.js";
import type { CurrentToken, TokenAuthority } from "./token-authority.js";

/** What a check of a refused token found. Only "dead" leads to a re-login. */
export type TokenHealth = "alive" | "dead" | "unknown";

export type WatchdogVerdict =
  /** A token newer than the refused one is in place (just obtained, or already there). */
  | { renewed: true; token: CurrentToken; loggedIn: boolean }
  | {
      renewed: false;
      /** alive: Upstox accepts the token (the 401 meant something else); cooldown: a re-login ran recently. */
      reason: "alive" | "unverified" | "cooldown" | "refresh-failed" | "no-account";
      code?: string | undefined;
      hint?: string | undefined;
    };

export interface WatchdogOptions {
  authority: TokenAuthority;
  /** Asks Upstox whether the token works (the profile endpoint). */
  verify: (account: string, token: string) => Promise<TokenHealth>;
  /** At most one re-login per account in this time. */
  cooldownMs: number;
  now?: () => number;
  logger: Logger;
  /** Told about every re-login the watchdog starts (metrics). */
  onRefresh?: (account: string, outcome: "renewed" | "failed") => void;
}

/**
 * Replaces a token Upstox refused, at once: checks it with the profile endpoint, and if it is dead, logs in
 * again through the authority. One check per account at a time (every request refused together shares it),
 * and at most one re-login per account per cooldown, so a 401 storm cannot become a login storm.
 */
export class TokenWatchdog {
  readonly #options: WatchdogOptions;
  readonly #inflight = new Map<string, Promise<WatchdogVerdict>>();
  readonly #lastRefresh = new Map<string, number>();

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  /**
   * Upstox answered 401 for the account's token of `generation` (undefined: a program outside the proxy
   * reported it, so the daemon's current token is the suspect).
   */
  tokenRefused(account: string, generation: number | undefined, reason: string): Promise<WatchdogVerdict> {
    const running = this.#inflight.get(account);
    if (running) return running;
    const started = this.#check(account, generation, reason).finally(() => this.#inflight.delete(account));
    this.#inflight.set(account, started);
    return started;
  }

  async #check(account: string, generation: number | undefined, reason: string): Promise<WatchdogVerdict> {
    const { authority, logger } = this.#options;
    const now = this.#options.now ?? Date.now;
    const current = await authority.current(account, { reload: true });
    if (current && generation !== undefined && current.generation > generation) {
      return { renewed: true, token: current, loggedIn: false };
    }
    if (current) {
      const health = await this.#options.verify(account, current.token);
      if (health === "alive") {
        logger.info({ account, reason }, "token refused once but the profile check accepts it; kept");
        return { renewed: false, reason: "alive" };
      }
      if (health === "unknown") {
        logger.warn({ account, reason }, "could not check the refused token (Upstox unreachable); kept");
        return { renewed: false, reason: "unverified" };
      }
    }
    const last = this.#lastRefresh.get(account);
    if (last !== undefined && now() - last < this.#options.cooldownMs) {
      logger.warn(
        { account, reason, retryInMs: this.#options.cooldownMs - (now() - last) },
        "token refused by Upstox, but a re-login ran moments ago; not logging in again yet",
      );
      return { renewed: false, reason: "cooldown" };
    }
    this.#lastRefresh.set(account, now());
    logger.warn({ account, reason }, "Upstox refused the token (401); logging in again now");
    const result = await authority.refreshNow(account, reason);
    if (result.ok) {
      this.#options.onRefresh?.(account, "renewed");
      logger.info({ account }, "new token in place after Upstox refused the old one");
      return { renewed: true, token: result.token, loggedIn: true };
    }
    this.#options.onRefresh?.(account, "failed");
    logger.error(
      { account, code: result.code, hint: result.hint },
      `re-login after a refused token failed: ${result.message}`,
    );
    return { renewed: false, reason: "refresh-failed", code: result.code, hint: result.hint };
  }
}
