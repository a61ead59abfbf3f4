import { existsSync } from "node:fs";
import { chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "@upstox-token/core";
import { LAUNCHD_LABEL, launchdLogFile, renderLaunchdPlist } from "./launchd-plist.js";
import { currentProcess, type ServiceExecutable, serviceExecutable } from "./service-runtime.js";
import {
  currentUserName,
  lookupAccount,
  requireAccount,
  type ServiceAccount,
  serviceStateDir,
} from "./service-user.js";
import { renderSystemdUnit } from "./systemd-unit.js";

export { LAUNCHD_LABEL };

export type ServiceKind = "systemd-user" | "systemd-system" | "launchd";

export const SERVICE_NAME = "upstox-token-daemon";

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
  /** A file of KEY=value lines holding the secrets (mode 0600), read by the daemon's own `--env-file`. */
  envFile?: string;
  /** Folders the daemon writes (sink files, lock files); everything else is read-only under systemd. */
  readWritePaths?: string[];
  /**
   * The state folder the service shares with the user's CLI (UPSTOX_STATE_DIR in the unit, and writable);
   * the lock folder is `lockDir`, by default `<stateDir>/locks` (UPSTOX_TOKEN_LOCK_DIR).
   */
  stateDir?: string;
  lockDir?: string;
  /** For paths under ~ (launchd logs, user units); default os.homedir(). */
  home?: string;
}

export interface RenderedService {
  path: string;
  content: string;
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
  if (options.stateDir !== undefined) requireAbsolute(options.stateDir, "stateDir");
  const home = options.home ?? homedir();
  // Secrets reach the daemon through its own --env-file: the same parser as the CLI's and `--once`'s. Bun
  // running a script would also load ./.env (the config's folder) by itself, and a variable it loaded wins over
  // the env file: a PIN corrected there would never be read on reload. So Bun gets --no-env-file then.
  const bunScript = /^bun(\.exe)?$/i.test(basename(options.execPath)) && (options.execArgs ?? []).length > 0;
  const command = [
    options.execPath,
    ...(bunScript && options.envFile !== undefined ? ["--no-env-file"] : []),
    ...(options.execArgs ?? []),
    "--config",
    options.configPath,
    ...(options.envFile !== undefined ? ["--env-file", options.envFile] : []),
  ];
  const environment: Record<string, string> = {};
  if (options.stateDir !== undefined) {
    environment.UPSTOX_STATE_DIR = options.stateDir;
    environment.UPSTOX_TOKEN_LOCK_DIR = options.lockDir ?? join(options.stateDir, "locks");
  }
  const readWritePaths = [
    ...(options.readWritePaths ?? []),
    ...(options.stateDir !== undefined ? [options.stateDir] : []),
  ];
  switch (options.kind) {
    case "systemd-user":
    case "systemd-system": {
      const system = options.kind === "systemd-system";
      return {
        path: system
          ? join("/etc", "systemd", "system", `${SERVICE_NAME}.service`)
          : join(home, ".config", "systemd", "user", `${SERVICE_NAME}.service`),
        content: renderSystemdUnit({
          system,
          command,
          configPath: options.configPath,
          user: options.user,
          environment,
          readWritePaths,
        }),
      };
    }
    case "launchd":
      return {
        path: join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`),
        content: renderLaunchdPlist({
          command,
          configPath: options.configPath,
          environment,
          logFile: launchdLogFile(home, SERVICE_NAME),
        }),
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
        `systemctl --user reload ${SERVICE_NAME}   # after editing the config (SIGHUP)`,
        // Without lingering, user services stop at logout and never see 03:30 IST on a server.
        'loginctl enable-linger "$USER"   # keep it running while you are logged out',
        `journalctl --user -u ${SERVICE_NAME} -f`,
      ];
    case "systemd-system":
      return [
        "sudo systemctl daemon-reload",
        `sudo systemctl enable --now ${SERVICE_NAME}`,
        `sudo systemctl reload ${SERVICE_NAME}   # after editing the config (SIGHUP)`,
        `journalctl -u ${SERVICE_NAME} -f`,
      ];
    case "launchd":
      return [`launchctl bootstrap gui/$(id -u) ${path}`, `launchctl print gui/$(id -u)/${LAUNCHD_LABEL}`];
  }
}

export interface InstallServiceOptions extends Omit<RenderServiceOptions, "execPath" | "kind"> {
  kind?: ServiceKind;
  execPath?: string;
  /** Write the file (creating its folder and the state folder); otherwise print it. */
  write: boolean;
  /** Where the text goes; default stdout. */
  out?: (text: string) => void;
  /** The installing user's environment (UPSTOX_STATE_DIR, XDG_STATE_HOME, SUDO_USER); default process.env. */
  env?: Record<string, string | undefined>;
  /** Tests: the user database (default `getent passwd`). */
  lookupAccount?: (name: string) => ServiceAccount | null;
}

export interface InstallServiceResult extends RenderedService {
  kind: ServiceKind;
  written: boolean;
  /** The file already held exactly this content. */
  unchanged: boolean;
  /** The state folder the unit names (shared with that user's CLI). */
  stateDir: string;
}

/** Creates the missing folders of `dir` (0700); as root for another user, hands each new one to that user. */
async function ensureStateDir(dir: string, owner: ServiceAccount | undefined): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (owner && asRoot && owner.uid !== 0) {
    for (const folder of missing) await chown(folder, owner.uid, owner.gid);
  }
}

/** The `install-service` command: renders for the given config, then prints it or writes it with next steps. */
export async function installService(options: InstallServiceOptions): Promise<InstallServiceResult> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const env = options.env ?? process.env;
  const configPath = resolve(options.configPath);
  if (!existsSync(configPath)) {
    throw new ConfigError(`the config file ${configPath} does not exist`, {
      file: configPath,
      hint: "Pass --config with the file the service should use.",
    });
  }
  const kind = options.kind ?? defaultServiceKind();
  if (options.user !== undefined && kind !== "systemd-system") {
    throw new ConfigError(`--user is for --kind systemd-system; a ${kind} service runs as you`, {
      field: "--user",
      hint: "Drop --user, or add --kind systemd-system to install a system service for that account.",
    });
  }
  const executable =
    options.execPath === undefined
      ? currentExecutable()
      : { execPath: resolve(options.execPath), execArgs: options.execArgs ?? [] };
  const lookup = options.lookupAccount ?? lookupAccount;
  const me = currentUserName(lookup);
  // A system unit runs as a named account, never root by default: under sudo, the user who ran sudo.
  const account =
    kind === "systemd-system" ? requireAccount(options.user ?? (env.SUDO_USER || me), lookup) : undefined;
  const stateDir = resolve(options.stateDir ?? serviceStateDir(account, env, me));
  const rendered = renderInstallService({
    ...options,
    ...executable,
    configPath,
    kind,
    user: account?.name,
    stateDir,
    envFile: options.envFile === undefined ? undefined : resolve(options.envFile),
  });
  const steps = nextSteps(kind, rendered.path);
  if (!options.write) {
    if (!existsSync(stateDir)) {
      const owner =
        account && account.name !== me ? `sudo install -d -m 0700 -o ${account.name} ` : "mkdir -p -m 0700 ";
      steps.unshift(`${owner}${stateDir}   # the state folder the service and your CLI share`);
    }
    out(rendered.content);
    out(`\n# Save it as ${rendered.path} (or run again with --write), then:\n`);
    for (const step of steps) out(`#   ${step}\n`);
    return { ...rendered, kind, written: false, unchanged: false, stateDir };
  }
  await ensureStateDir(stateDir, account);
  const previous = await readFile(rendered.path, "utf8").catch(() => null);
  if (previous === rendered.content) {
    out(`${rendered.path} is already up to date.\n`);
    return { ...rendered, kind, written: false, unchanged: true, stateDir };
  }
  await mkdir(dirname(rendered.path), { recursive: true });
  // The unit holds no secret (they stay in envFile), so the usual 0644.
  await writeFile(rendered.path, rendered.content, { mode: 0o644 });
  out(`${previous === null ? "Wrote" : "Updated"} ${rendered.path}. Next:\n`);
  for (const step of steps) out(`  ${step}\n`);
  return { ...rendered, kind, written: true, unchanged: false, stateDir };
}
