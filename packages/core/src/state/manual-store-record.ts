import { type LastRefresh, type SinkState, writeLastRefresh } from "./last-refresh.js";
import { stateLayout } from "./state-layout.js";

/** A token stored by hand (the CLI's generate-token, login, exchange, request-token with --sink). */
export interface ManualStore {
  account: string;
  record: { issuedAt: number; expiresAt: number };
  /** Login attempts the command spent. */
  attempts: number;
  /** Each sink's outcome; a failed one keeps its message (never a token). */
  sinks: readonly ({ sink: string; ok: true } | { sink: string; ok: false; error: { message: string } })[];
  /** The command, e.g. "upstox-token generate-token". */
  command: string;
  now: number;
}

/**
 * The last-refresh record of a token a person stored by hand: cause "manual", the command in `note`. The
 * daemon's status page then says who stored the token it serves, not "by another process".
 */
export function manualLastRefresh(store: ManualStore): LastRefresh {
  const sinks: Record<string, SinkState> = {};
  for (const outcome of store.sinks) {
    sinks[outcome.sink] = outcome.ok
      ? { state: "ok", at: store.now, error: null }
      : { state: "failed", at: store.now, error: outcome.error.message };
  }
  return {
    version: 1,
    account: store.account,
    refreshedAt: store.now,
    cause: "manual",
    loggedIn: true,
    attempts: Math.max(1, store.attempts),
    issuedAt: store.record.issuedAt,
    expiresAt: store.record.expiresAt,
    checkedAt: store.now,
    sinks,
    note: store.command,
  };
}

/**
 * Writes the record of a token stored by hand to `<state>/users/<userKey>/last-refresh.json` (0600), through
 * the same writer as the daemon's. Resolves with the file's path.
 */
export async function recordManualStore(
  stateDir: string,
  userKey: string,
  store: ManualStore,
): Promise<string> {
  const file = stateLayout.lastRefresh(stateDir, userKey);
  await writeLastRefresh(file, manualLastRefresh(store));
  return file;
}
