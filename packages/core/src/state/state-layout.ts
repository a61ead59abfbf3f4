import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * The layout of upstox-token's state folder (UPSTOX_STATE_DIR, else $XDG_STATE_HOME/upstox-token, else
 * ~/.local/state/upstox-token; see `defaultStateDir`). Every process of one machine user (daemon, `--once`,
 * the CLI) reads and writes the same files, so what one learns the others respect. Files are written 0600
 * in folders made 0700, by temp file + rename.
 *
 * ```
 * <state>/endpoints.json                      login-service paths that answered, per account
 * <state>/users/<userKey>/identity.json       the Upstox user_id learned from the first verified login
 * <state>/users/<userKey>/refused-pin.json    a salted hash of a PIN Upstox refused (never the PIN)
 * <state>/users/<userKey>/rate-limit.json     no OTP request for this user before retryAt
 * <state>/users/<userKey>/last-refresh.json   the last refresh: when, its cause, each sink's state
 * <state>/users/<userKey>/incident.json       the open alert incident, so a restart does not re-alert
 * <state>/locks/<userKey>/                    the user's refresh lock (proper-lockfile), shared by all shells
 * <state>/daemons/<configKey>.pid             one daemon per config per host
 * ```
 *
 * `userKey` is keyed by the Upstox user (mobile number and client id), not by the account's name in a
 * config: two configs for the same user share it, two users never do.
 */
export function userKey(identity: { mobile?: string | undefined; clientId: string }): string {
  const mobile = (identity.mobile ?? "").replace(/^\+?91(?=\d{10}$)/, "");
  return createHash("sha256")
    .update(`upstox-user\0${mobile}\0${identity.clientId}`)
    .digest("hex")
    .slice(0, 24);
}

/** A config file's key for the one-daemon-per-config rule: its absolute path, hashed. */
export function configKey(absoluteConfigPath: string): string {
  return createHash("sha256").update(`upstox-config\0${absoluteConfigPath}`).digest("hex").slice(0, 24);
}

export const stateLayout = {
  endpoints: (state: string) => join(state, "endpoints.json"),
  userDir: (state: string, key: string) => join(state, "users", key),
  identity: (state: string, key: string) => join(state, "users", key, "identity.json"),
  refusedPin: (state: string, key: string) => join(state, "users", key, "refused-pin.json"),
  rateLimit: (state: string, key: string) => join(state, "users", key, "rate-limit.json"),
  lastRefresh: (state: string, key: string) => join(state, "users", key, "last-refresh.json"),
  incident: (state: string, key: string) => join(state, "users", key, "incident.json"),
  lockDir: (state: string) => join(state, "locks"),
  daemonPid: (state: string, key: string) => join(state, "daemons", `${key}.pid`),
} as const;
