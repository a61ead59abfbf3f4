import {
  EngineTokenAuthority,
  type Logger,
  profileVerifier,
  TokenWatchdog,
  toIstIso,
} from "@upstox-token/core";
import type { Daemon } from "../../runner/daemon.js";
import { ProxyMetrics } from "./proxy-metrics.js";

export interface WatchdogService {
  authority: EngineTokenAuthority;
  watchdog: TokenWatchdog;
  metrics: ProxyMetrics;
  /** The accounts and their API hosts in the config now. */
  accounts(): { name: string; apiBase: string }[];
  /** POST /v1/token/invalid: what the status server answers. */
  reportInvalid(account: string | undefined): Promise<{ status: number; body: unknown }>;
  close(): void;
}

/** The daemon's token authority and watchdog, shared by the proxy and the status server's report endpoint. */
export function createWatchdogService(
  daemon: Daemon,
  options: { logger: Logger; fetch?: typeof fetch; now?: () => number },
): WatchdogService {
  const now = options.now ?? Date.now;
  // The engine hands the token on: the holder it feeds, a re-login's own outcome, its cycle in flight.
  const authority = new EngineTokenAuthority(
    {
      holder: daemon.tokens,
      inFlight: (account) => daemon.inFlight(account),
      refresh: (account, reason) => daemon.refreshNow(account, reason, { force: true, cause: "watchdog" }),
      readStored: (account) => daemon.storedRecord(account),
      // The start-up run: its logins may have begun before the proxy listened.
      caughtUp: daemon.caughtUp,
    },
    now,
  );
  const metrics = new ProxyMetrics();
  const watchdog = new TokenWatchdog({
    authority,
    verify: profileVerifier(
      (account) => daemon.config.accounts.find((a) => a.name === account)?.upstox,
      options.fetch ?? globalThis.fetch,
    ),
    cooldownMs: daemon.config.watchdog.cooldownMs,
    now,
    logger: options.logger,
    onRefresh: (account, outcome) => metrics.watchdogRefresh(account, outcome),
  });
  const accounts = () => daemon.config.accounts.map((a) => ({ name: a.name, apiBase: a.upstox.apiBase }));

  const reportInvalid = async (asked: string | undefined) => {
    const names = accounts().map((a) => a.name);
    const account = asked ?? (names.length === 1 ? names[0] : undefined);
    if (account === undefined) {
      return {
        status: 400,
        body: { error: 'several accounts: name one, e.g. {"account":"main"}', accounts: names },
      };
    }
    if (!names.includes(account)) {
      return { status: 404, body: { error: `unknown account "${account}"`, accounts: names } };
    }
    const verdict = await watchdog.tokenRefused(account, undefined, "reported with POST /v1/token/invalid");
    if (verdict.renewed) {
      return {
        status: 200,
        body: {
          account,
          renewed: true,
          expires_at: toIstIso(verdict.token.expiresAt),
          message: "a new token is in the sinks",
        },
      };
    }
    const answers = {
      alive: [200, "Upstox accepts the daemon's current token: read it again from the sink"],
      unverified: [503, "Upstox could not be reached to check the token; try again shortly"],
      cooldown: [
        429,
        "a re-login ran moments ago; read the token again from the sink, or wait for the cooldown",
      ],
      "refresh-failed": [502, "the re-login failed; see the status page for the error and its hint"],
      "no-account": [404, "unknown account"],
    } as const;
    const [status, message] = answers[verdict.reason];
    return {
      status,
      body: {
        account,
        renewed: false,
        reason: verdict.reason,
        message,
        code: verdict.code ?? null,
        hint: verdict.hint ?? null,
      },
    };
  };

  return { authority, watchdog, metrics, accounts, reportInvalid, close: () => {} };
}
