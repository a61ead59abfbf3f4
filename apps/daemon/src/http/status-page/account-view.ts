import { type LastRefresh, type RefreshCause, toIstIso } from "@upstox-token/core";
import type { AccountStatus } from "../../observe/account-status.js";
import { maskTokens, type PublicError, publicError } from "../../observe/public-error.js";
import type { AccountBoard } from "./account-board.js";

export type AccountState =
  | "valid"
  | "expiring-soon"
  | "refreshing"
  | "failed"
  | "needs-attention"
  | "waiting";

/** One row of the status page and of GET /v1/accounts. No token, ever: only facts about it. */
export interface AccountView {
  account: string;
  state: AccountState;
  flow: string;
  expires_at: string | null;
  expires_at_ms: number | null;
  seconds_until_expiry: number | null;
  last_refresh: {
    at: string;
    at_ms: number;
    /** Why it ran: start-up, schedule, watchdog, manual; "unknown" for a token another process stored. */
    cause: RefreshCause | "unknown" | null;
    /** Who stored it by hand, e.g. "upstox-token generate-token" (the CLI records the tokens it stores). */
    note: string | null;
    attempts: number | null;
    logged_in: boolean | null;
    user_id: string | null;
    user_name: string | null;
  } | null;
  next_run_at: string | null;
  next_run_at_ms: number | null;
  last_error: (PublicError & { at: string }) | null;
  sinks: {
    name: string;
    /** "lagging": it missed the newest token and the daemon is retrying it (no new login). */
    state: "ok" | "failed" | "lagging" | "unknown";
    at: string | null;
    error: string | null;
  }[];
}

export interface AccountsReport {
  now: string;
  now_ms: number;
  accounts: AccountView[];
  /** Fleet mode: the shared queue's state (jobs per state, who holds which account, held dead cycles). */
  fleet?: import("../fleet-status.js").FleetState | null;
}

/** A token with less than this left shows as "expiring soon". */
export const EXPIRING_SOON_MS = 60 * 60_000;

const iso = (ms: number | null) => (ms === null ? null : toIstIso(ms));

/**
 * The report the page and GET /v1/accounts show. `lastRefresh` is the state folder's memory (this run's and
 * earlier runs'), so a restarted daemon still says when, why and into which sinks the token was stored.
 */
export function accountsReport(
  statuses: AccountStatus[],
  board: AccountBoard,
  flows: (account: string) => string,
  now: number,
  lastRefresh: (account: string) => LastRefresh | null = () => null,
): AccountsReport {
  return {
    now: toIstIso(now),
    now_ms: now,
    accounts: statuses.map((s) => accountView(s, board, flows(s.account), now, lastRefresh(s.account))),
  };
}

function accountView(
  status: AccountStatus,
  board: AccountBoard,
  flow: string,
  now: number,
  saved: LastRefresh | null,
): AccountView {
  const activity = board.get(status.account);
  const valid = status.expiresAt !== null && status.expiresAt > now;
  let state: AccountState;
  if (activity.refreshing) state = "refreshing";
  else if (activity.needsAttention) state = "needs-attention";
  else if (activity.failed || (!valid && status.lastError !== null)) state = "failed";
  else if (!valid) state = "waiting";
  else if ((status.expiresAt as number) - now < EXPIRING_SOON_MS) state = "expiring-soon";
  else state = "valid";
  const success = activity.lastSuccess;
  const lastAt = saved?.refreshedAt ?? status.lastRefreshAt ?? success?.at ?? null;
  const names = board.sinkNames(status.account);
  for (const name of activity.sinks.keys()) if (!names.includes(name)) names.push(name);
  /** A sink's newest known state: this run's events, or the state folder's record of the last result. */
  const sinkState = (name: string) => {
    const live = activity.sinks.get(name);
    const kept = saved?.sinks[name];
    if (kept && (!live || kept.at > live.at))
      return { ok: kept.state === "ok", at: kept.at, error: kept.error };
    return live;
  };
  return {
    account: status.account,
    state,
    flow,
    expires_at: iso(status.expiresAt),
    expires_at_ms: status.expiresAt,
    seconds_until_expiry:
      status.expiresAt === null ? null : Math.max(0, Math.floor((status.expiresAt - now) / 1000)),
    last_refresh:
      lastAt === null
        ? null
        : {
            at: toIstIso(lastAt),
            at_ms: lastAt,
            cause: saved?.cause ?? null,
            note: saved?.note ?? null,
            attempts: saved?.attempts ?? success?.attempts ?? null,
            logged_in: saved?.loggedIn ?? success?.loggedIn ?? null,
            user_id: success?.userId ?? null,
            user_name: success?.userName ?? null,
          },
    next_run_at: iso(status.nextRunAt),
    next_run_at_ms: status.nextRunAt,
    last_error:
      status.lastError === null
        ? null
        : { ...publicError(status.lastError), at: toIstIso(status.lastError.at) },
    sinks: names.map((name) => {
      const s = sinkState(name);
      const lagging = status.laggingSinks?.find((l) => l.sink === name);
      if (lagging) {
        return {
          name,
          state: "lagging" as const,
          at: toIstIso(lagging.since),
          error: `${maskTokens(lagging.error.message)} (retrying; next try ${toIstIso(lagging.nextTryAt)})`,
        };
      }
      return {
        name,
        state: s === undefined ? "unknown" : s.ok ? "ok" : "failed",
        at: s === undefined ? null : toIstIso(s.at),
        error: s?.error ? maskTokens(s.error) : null,
      };
    }),
  };
}
