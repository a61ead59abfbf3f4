import { readFile } from "node:fs/promises";
import { writeStateFile } from "./state-file.js";

/** Why a refresh cycle ran: the status page says it, so a person can tell a 03:35 run from a button press. */
export const REFRESH_CAUSES = ["start-up", "schedule", "watchdog", "manual"] as const;
export type RefreshCause = (typeof REFRESH_CAUSES)[number];

/** A sink's state after the last stored or served result. */
export interface SinkState {
  state: "ok" | "failed";
  /** Epoch ms of that result. */
  at: number;
  /** The sink's error message (never a token), when it failed. */
  error: string | null;
}

/**
 * `<state>/users/<userKey>/last-refresh.json`: the last refresh of one Upstox user, written on every stored or
 * served result, so a restarted daemon (and any other process of that user) knows it. Holds no token.
 */
export interface LastRefresh {
  version: 1;
  account: string;
  /** When the token in use was stored by a refresh (a login, or another instance's token taken over). */
  refreshedAt: number;
  /** Why that refresh ran; "unknown" when the token came from elsewhere (another process, the CLI). */
  cause: RefreshCause | "unknown";
  loggedIn: boolean | null;
  attempts: number | null;
  issuedAt: number;
  expiresAt: number;
  /** When this file was last written (the last stored or served result). */
  checkedAt: number;
  /** Each sink's state, by sink name. */
  sinks: Record<string, SinkState>;
  /** Who stored it, when not the daemon's own cycle: e.g. "upstox-token generate-token" (cause "manual"). */
  note?: string;
}

function isSinkState(value: unknown): value is SinkState {
  const s = value as SinkState;
  return (
    typeof s === "object" &&
    s !== null &&
    (s.state === "ok" || s.state === "failed") &&
    typeof s.at === "number" &&
    (s.error === null || typeof s.error === "string")
  );
}

/** The file's content when it is one this version wrote; anything else (torn, foreign, older) is null. */
export function parseLastRefresh(text: string): LastRefresh | null {
  let value: LastRefresh;
  try {
    value = JSON.parse(text) as LastRefresh;
  } catch {
    return null;
  }
  const ok =
    typeof value === "object" &&
    value !== null &&
    value.version === 1 &&
    typeof value.account === "string" &&
    typeof value.refreshedAt === "number" &&
    (value.cause === "unknown" || (REFRESH_CAUSES as readonly string[]).includes(value.cause)) &&
    typeof value.issuedAt === "number" &&
    typeof value.expiresAt === "number" &&
    typeof value.checkedAt === "number" &&
    (value.note === undefined || typeof value.note === "string") &&
    typeof value.sinks === "object" &&
    value.sinks !== null &&
    Object.values(value.sinks).every(isSinkState);
  return ok ? value : null;
}

export async function readLastRefresh(file: string): Promise<LastRefresh | null> {
  try {
    return parseLastRefresh(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

/** Writes the file 0600 (folder 0700) by temp file + rename (core's state-file writer): never half of it. */
export async function writeLastRefresh(file: string, value: LastRefresh): Promise<void> {
  writeStateFile(file, { ...value });
}
