import { dirname, resolve } from "node:path";

/** systemd's quoting for one word of ExecStart: double quotes, backslash escapes, `%` and `$` doubled. */
export function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[\w@%+=:,./-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** WorkingDirectory= takes the rest of the line as one path: only specifiers (`%`) matter. */
function systemdPath(path: string): string {
  return path.replace(/%/g, "%%");
}

/** One item of a space-separated list (ReadWritePaths=, Environment=): quoted when it holds a space or quote. */
function systemdListItem(item: string): string {
  if (item.startsWith("-")) return `-${systemdListItem(item.slice(1))}`;
  const escaped = systemdPath(item);
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : escaped;
}

/** Absolute and once each; a leading "-" (systemd: skip it if missing) is kept. */
function uniqueAbsolute(paths: string[]): string[] {
  return [...new Set(paths.map((p) => (p.startsWith("-") ? `-${resolve(p.slice(1))}` : resolve(p))))];
}

export interface SystemdUnitOptions {
  system: boolean;
  /** The whole command line: program, its arguments, `--config`, `--env-file`. */
  command: string[];
  configPath: string;
  user?: string | undefined;
  /** Set in the unit, so the service and the user's CLI agree (UPSTOX_STATE_DIR, UPSTOX_TOKEN_LOCK_DIR). */
  environment: Record<string, string>;
  /** Everything the daemon writes; the rest of the file system is read-only (ProtectSystem=strict). */
  readWritePaths: string[];
}

/**
 * A unit that starts at boot (system: after the network is online; user: with the user's manager), reloads
 * on `systemctl reload` (SIGHUP), and sees the same state and lock folders as the user's own CLI.
 */
export function renderSystemdUnit(options: SystemdUnitOptions): string {
  const { system } = options;
  const readWrite = uniqueAbsolute(options.readWritePaths);
  const lines = [
    "# Written by `upstox-token-daemon install-service`.",
    "[Unit]",
    "Description=upstox-token daemon: keeps Upstox access tokens fresh (they expire at 03:30 IST daily)",
    "Documentation=https://github.com/upstox-token/upstox-token#run-it-every-day",
    // A user manager cannot order on network-online.target (it is a system unit): there it does nothing.
    ...(system ? ["Wants=network-online.target", "After=network-online.target"] : []),
    // Restart=on-failure must not give up for good after a burst of failures at boot (no network yet).
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${options.command.map(systemdWord).join(" ")}`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    `WorkingDirectory=${systemdPath(dirname(options.configPath))}`,
  ];
  if (system && options.user !== undefined) lines.push(`User=${options.user}`);
  for (const [key, value] of Object.entries(options.environment)) {
    lines.push(`Environment=${systemdListItem(`${key}=${value}`)}`);
  }
  lines.push(
    "Restart=on-failure",
    "RestartSec=30s",
    // Exit 2 is a bad config: restarting cannot fix it, so systemd stops and `systemctl status` shows why.
    "RestartPreventExitStatus=2",
    "TimeoutStopSec=30s",
    "UMask=0077",
    "",
    "# Hardening. Not MemoryDenyWriteExecute: the JavaScript JIT needs writable executable memory.",
    "# PrivateTmp is safe: the lock and the state live in the state folder, not in /tmp.",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "ProtectSystem=strict",
  );
  if (readWrite.length > 0) lines.push(`ReadWritePaths=${readWrite.map(systemdListItem).join(" ")}`);
  if (system) {
    lines.push(
      "ProtectHome=read-only",
      "ProtectKernelTunables=yes",
      "ProtectKernelModules=yes",
      "ProtectControlGroups=yes",
      "RestrictSUIDSGID=yes",
      "RestrictNamespaces=yes",
      "LockPersonality=yes",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    );
  }
  lines.push("", "[Install]", `WantedBy=${system ? "multi-user.target" : "default.target"}`, "");
  return lines.join("\n");
}
