import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { ConfigError, defaultStateDir } from "@upstox-token/core";

/** The machine account a service runs as, as the system's user database knows it. */
export interface ServiceAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** One passwd line (`name:x:uid:gid:gecos:home:shell`) → the account, or null. */
function fromPasswdLine(line: string | undefined): ServiceAccount | null {
  const fields = line?.trim().split(":");
  if (!fields || fields.length < 7) return null;
  const [name, , uid, gid, , home] = fields;
  if (!name || !home || !/^\d+$/.test(uid ?? "") || !/^\d+$/.test(gid ?? "")) return null;
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/**
 * Looks a user up the way the service manager will (`getent passwd`, so LDAP and systemd-homed users count);
 * where getent is missing, /etc/passwd.
 */
export function lookupAccount(name: string): ServiceAccount | null {
  const getent = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  if (!getent.error) return getent.status === 0 ? fromPasswdLine(getent.stdout.split("\n")[0]) : null;
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${name}:`));
    return fromPasswdLine(line);
  } catch {
    return null;
  }
}

/**
 * The name of the user running this process, by uid from the user database (Bun's `os.userInfo()` says
 * "unknown" when USER is unset, as under sudo -i or in a container); userInfo() where there is no uid.
 */
export function currentUserName(lookup: (name: string) => ServiceAccount | null = lookupAccount): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  const byUid = uid === undefined ? null : lookup(String(uid));
  return byUid?.name ?? userInfo().username;
}

/** The account a system unit names, checked: a typo in `--user` is a config error, not a unit that fails. */
export function requireAccount(
  name: string,
  lookup: (name: string) => ServiceAccount | null,
): ServiceAccount {
  const account = lookup(name);
  if (!account) {
    throw new ConfigError(`--user ${name}: no such user on this machine`, {
      field: "--user",
      hint: `Create it first (e.g. \`sudo useradd --system --create-home ${name}\`) or name an existing account; \`getent passwd ${name}\` shows it.`,
    });
  }
  return account;
}

/**
 * The state folder (and in it the lock folder) a service shares with that user's own CLI: where
 * `defaultStateDir` points in the user's login shell. For the installing user, their environment decides
 * (UPSTOX_STATE_DIR, XDG_STATE_HOME); for another user, the default under that user's home.
 */
export function serviceStateDir(
  account: { name: string; home: string } | undefined,
  env: Record<string, string | undefined>,
  currentUser: string,
): string {
  if (account === undefined || account.name === currentUser) return defaultStateDir(env);
  return join(account.home, ".local", "state", "upstox-token");
}
