import { toIstIso } from "@upstox-token/core";
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

export function accountsReport(
  statuses: AccountStatus[],
  board: AccountBoard,
  flows: (account: string) => string,
  now: number,
): AccountsReport {
  return {
    now: toIstIso(now),
    now_ms: now,
    accounts: statuses.map((s) => accountView(s, board, flows(s.account), now)),
  };
}

function accountView(status: AccountStatus, board: AccountBoard, flow: string, now: number): AccountView {
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
  const lastAt = status.lastRefreshAt ?? success?.at ?? null;
  const names = board.sinkNames(status.account);
  for (const name of activity.sinks.keys()) if (!names.includes(name)) names.push(name);
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
            attempts: success?.attempts ?? null,
            logged_in: success?.loggedIn ?? null,
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
      const s = activity.sinks.get(name);
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
