import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "@upstox-token/core";
import { currentProcess, type ServiceExecutable, serviceExecutable } from "./service-runtime.js";

export type ServiceKind = "systemd-user" | "systemd-system" | "launchd";

export const SERVICE_NAME = "upstox-token-daemon";
export const LAUNCHD_LABEL = "dev.upstox-token.daemon";

export interface RenderServiceOptions {
  /** Absolute path of the daemon's config file. */
  configPath: string;
  /** The program to run: the compiled binary, or a runtime (bun, node) followed by `execArgs`. */
  execPath: string;
  /** Arguments before `--config`, e.g. the script path when `execPath` is a runtime. */
  execArgs?: string[];
  kind: ServiceKind;
  /** systemd-system: the account the service runs as (never root by default). */
  user?: string;
  /** A file of KEY=value lines holding the secrets (mode 0600), loaded into the daemon's environment. */
  envFile?: string;
  /** Folders the daemon writes (sink files, lock files); everything else is read-only under systemd. */
  readWritePaths?: string[];
  /** For paths under ~ (launchd logs, user units); default os.homedir(). */
  home?: string;
}

export interface RenderedService {
  path: string;
  content: string;
}

/** systemd's quoting for one word of ExecStart: double quotes, backslash escapes, `%` and `$` doubled. */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[\w@%+=:,./-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** WorkingDirectory= and EnvironmentFile= take the rest of the line as one path: only specifiers (`%`) matter. */
function systemdPath(path: string): string {
  return path.replace(/%/g, "%%");
}

/** ReadWritePaths= is a space-separated list: a path with spaces or quotes is double-quoted. */
function systemdListPath(path: string): string {
  if (path.startsWith("-")) return `-${systemdListPath(path.slice(1))}`;
  const escaped = systemdPath(path);
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : escaped;
}

function xml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Absolute and once each; a leading "-" (systemd: skip it if missing) is kept. */
function uniqueAbsolute(paths: string[]): string[] {
  return [...new Set(paths.map((p) => (p.startsWith("-") ? `-${resolve(p.slice(1))}` : resolve(p))))];
}

function renderSystemd(options: RenderServiceOptions): string {
  const system = options.kind === "systemd-system";
  const command = [options.execPath, ...(options.execArgs ?? []), "--config", options.configPath];
  const readWrite = uniqueAbsolute(options.readWritePaths ?? []);
  const lines = [
    "# Written by `upstox-token-daemon install-service`.",
    "[Unit]",
    "Description=upstox-token daemon: keeps Upstox access tokens fresh (they expire at 03:30 IST daily)",
    "Documentation=https://github.com/upstox-token/upstox-token#run-it-every-day",
    "Wants=network-online.target",
    "After=network-online.target",
    // Restart=on-failure must not give up for good after a burst of failures at boot (no network yet).
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${command.map(systemdWord).join(" ")}`,
    `WorkingDirectory=${systemdPath(dirname(options.configPath))}`,
  ];
  if (system && options.user !== undefined) lines.push(`User=${options.user}`);
  if (options.envFile !== undefined) lines.push(`EnvironmentFile=${systemdPath(options.envFile)}`);
  lines.push(
    "Restart=on-failure",
    "RestartSec=30s",
    // Exit 2 is a bad config: restarting cannot fix it, so systemd stops and `systemctl status` shows why.
    "RestartPreventExitStatus=2",
    "TimeoutStopSec=30s",
    "UMask=0077",
    "",
    "# Hardening. Not MemoryDenyWriteExecute: the JavaScript JIT needs writable executable memory.",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "ProtectSystem=strict",
  );
  if (readWrite.length > 0) {
    lines.push(`ReadWritePaths=${readWrite.map(systemdListPath).join(" ")}`);
  }
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

function plistValue(
  value: string | boolean | number | string[] | Record<string, unknown>,
  indent: string,
): string {
  if (typeof value === "string") return `${indent}<string>${xml(value)}</string>`;
  if (typeof value === "boolean") return `${indent}<${value}/>`;
  if (typeof value === "number") return `${indent}<integer>${value}</integer>`;
  if (Array.isArray(value)) {
    return [`${indent}<array>`, ...value.map((v) => plistValue(v, `${indent}  `)), `${indent}</array>`].join(
      "\n",
    );
  }
  return plistDict(value as Record<string, string | boolean | number | string[]>, indent);
}

function plistDict(entries: Record<string, unknown>, indent: string): string {
  const body = Object.entries(entries).flatMap(([key, value]) => [
    `${indent}  <key>${xml(key)}</key>`,
    plistValue(value as string, `${indent}  `),
  ]);
  return [`${indent}<dict>`, ...body, `${indent}</dict>`].join("\n");
}

function renderLaunchd(options: RenderServiceOptions, home: string): string {
  const daemon = [options.execPath, ...(options.execArgs ?? []), "--config", options.configPath];
  // launchd has no EnvironmentFile: a POSIX shell exports the file and execs the daemon. The paths travel as
  // positional arguments ($0, $@), so nothing is quoted into the script.
  const programArguments =
    options.envFile === undefined
      ? daemon
      : ["/bin/sh", "-c", 'set -a && . "$0" && set +a && exec "$@"', options.envFile, ...daemon];
  const log = join(home, "Library", "Logs", `${SERVICE_NAME}.log`);
  const dict = {
    Label: LAUNCHD_LABEL,
    ProgramArguments: programArguments,
    WorkingDirectory: dirname(options.configPath),
    RunAtLoad: true,
    // Restart when it exits with an error; a clean exit (stop, exit 0) stays down.
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 30,
    Umask: 63,
    StandardOutPath: log,
    StandardErrorPath: log,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `upstox-token-daemon install-service`. -->",
    '<plist version="1.0">',
    plistDict(dict, ""),
    "</plist>",
    "",
  ].join("\n");
}

function requireAbsolute(path: string, what: string): void {
  if (!isAbsolute(path)) {
    throw new ConfigError(`${what} must be an absolute path, got "${path}"`, {
      hint: "Services start in another folder than your shell; give the full path.",
    });
  }
}

/** The unit or plist text for a config, and where it belongs. Pure: reads and writes nothing. */
export function renderInstallService(options: RenderServiceOptions): RenderedService {
  requireAbsolute(options.configPath, "configPath");
  requireAbsolute(options.execPath, "execPath");
  if (options.envFile !== undefined) requireAbsolute(options.envFile, "envFile");
  const home = options.home ?? homedir();
  switch (options.kind) {
    case "systemd-user":
      return {
        path: join(home, ".config", "systemd", "user", `${SERVICE_NAME}.service`),
        content: renderSystemd(options),
      };
    case "systemd-system":
      return {
        path: join("/etc", "systemd", "system", `${SERVICE_NAME}.service`),
        content: renderSystemd(options),
      };
    case "launchd":
      return {
        path: join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`),
        content: renderLaunchd(options, home),
      };
  }
}

export function defaultServiceKind(platform: NodeJS.Platform = process.platform): ServiceKind {
  return platform === "darwin" ? "launchd" : "systemd-user";
}

/** How this process was started, as a service should start it again (see service-runtime.ts). */
export function currentExecutable(): ServiceExecutable {
  return serviceExecutable(currentProcess());
}

export function nextSteps(kind: ServiceKind, path: string): string[] {
  switch (kind) {
    case "systemd-user":
      return [
        "systemctl --user daemon-reload",
        `systemctl --user enable --now ${SERVICE_NAME}`,
        // Without lingering, user services stop at logout and never see 03:30 IST on a server.
        'loginctl enable-linger "$USER"   # keep it running while you are logged out',
        `journalctl --user -u ${SERVICE_NAME} -f`,
      ];
    case "systemd-system":
      return [
        "sudo systemctl daemon-reload",
        `sudo systemctl enable --now ${SERVICE_NAME}`,
        `journalctl -u ${SERVICE_NAME} -f`,
      ];
    case "launchd":
      return [`launchctl bootstrap gui/$(id -u) ${path}`, `launchctl print gui/$(id -u)/${LAUNCHD_LABEL}`];
  }
}

export interface InstallServiceOptions extends Omit<RenderServiceOptions, "execPath" | "kind"> {
  kind?: ServiceKind;
  execPath?: string;
  /** Write the file (creating its folder); otherwise print it. */
  write: boolean;
  /** Where the text goes; default stdout. */
  out?: (text: string) => void;
}

export interface InstallServiceResult extends RenderedService {
  kind: ServiceKind;
  written: boolean;
  /** The file already held exactly this content. */
  unchanged: boolean;
}

/** The `install-service` command: renders for the given config, then prints it or writes it with next steps. */
export async function installService(options: InstallServiceOptions): Promise<InstallServiceResult> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const configPath = resolve(options.configPath);
  if (!existsSync(configPath)) {
    throw new ConfigError(`the config file ${configPath} does not exist`, {
      file: configPath,
      hint: "Pass --config with the file the service should use.",
    });
  }
  const kind = options.kind ?? defaultServiceKind();
  const executable =
    options.execPath === undefined
      ? currentExecutable()
      : { execPath: resolve(options.execPath), execArgs: options.execArgs ?? [] };
  const user = kind === "systemd-system" ? (options.user ?? userInfo().username) : options.user;
  const rendered = renderInstallService({
    ...options,
    ...executable,
    configPath,
    kind,
    user,
    envFile: options.envFile === undefined ? undefined : resolve(options.envFile),
  });
  if (!options.write) {
    out(rendered.content);
    out(`\n# Save it as ${rendered.path} (or run again with --write), then:\n`);
    for (const step of nextSteps(kind, rendered.path)) out(`#   ${step}\n`);
    return { ...rendered, kind, written: false, unchanged: false };
  }
  const previous = await readFile(rendered.path, "utf8").catch(() => null);
  if (previous === rendered.content) {
    out(`${rendered.path} is already up to date.\n`);
    return { ...rendered, kind, written: false, unchanged: true };
  }
  await mkdir(dirname(rendered.path), { recursive: true });
  // The unit holds no secret (they stay in envFile), so the usual 0644.
  await writeFile(rendered.path, rendered.content, { mode: 0o644 });
  out(`${previous === null ? "Wrote" : "Updated"} ${rendered.path}. Next:\n`);
  for (const step of nextSteps(kind, rendered.path)) out(`  ${step}\n`);
  return { ...rendered, kind, written: true, unchanged: false };
}
