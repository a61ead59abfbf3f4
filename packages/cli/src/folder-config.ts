import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, type SinkSpec } from "@upstox-token/core";

/** The daemon's config file, read by `status`, `verify` and `doctor` when no --sink is given. */
export const FOLDER_CONFIG_NAME = "upstox-token.config.json";

export interface FolderConfigAccount {
  name: string;
  /** The login flow (`totp` when not given), for the command that makes a new token. */
  flow: string;
  /** The account's sinks (its own, else the top-level ones), each with where it sits in the file. */
  sinks: { spec: SinkSpec; field: string }[];
}

export interface FolderConfig {
  file: string;
  /** Relative sink paths resolve against the config file's folder, as in the daemon. */
  baseDir: string;
  accounts: FolderConfigAccount[];
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) =>
      match === "$${" ? "${" : env[name!] || fallback || "",
    );
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

/**
 * The accounts and sinks of `upstox-token.config.json` in `cwd`, or undefined when there is none. Only what the
 * commands need is read (names and sinks, `${VAR}` filled from `env`); the daemon validates the rest.
 */
export function readFolderConfig(
  cwd: string,
  env: Record<string, string | undefined>,
): FolderConfig | undefined {
  const file = join(cwd, FOLDER_CONFIG_NAME);
  if (!existsSync(file)) return undefined;
  let raw: { accounts?: unknown; sinks?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) as typeof raw;
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, {
      file,
      hint: "Fix the file (the daemon's --dry-run names the problem), or pass --sink.",
    });
  }
  const topSinks = Array.isArray(raw.sinks) ? (raw.sinks as SinkSpec[]) : [];
  const accounts = Array.isArray(raw.accounts)
    ? (raw.accounts as { name?: unknown; flow?: unknown; sinks?: unknown }[])
    : [];
  return {
    file,
    baseDir: dirname(file),
    accounts: accounts
      .filter((a) => typeof a?.name === "string")
      .map((account, index) => {
        const own = Array.isArray(account.sinks) ? (account.sinks as SinkSpec[]) : undefined;
        const specs = own ?? topSinks;
        return {
          name: account.name as string,
          flow: typeof account.flow === "string" ? account.flow : "totp",
          sinks: specs.map((spec, i) => ({
            spec: interpolate(spec, env) as SinkSpec,
            field: own ? `accounts[${index}].sinks[${i}]` : `sinks[${i}]`,
          })),
        };
      }),
  };
}

/** The `--sink` shorthand for a config's sink spec, when there is one that shows no secret. */
export function sinkShorthand(spec: SinkSpec): string | undefined {
  const options = (spec.options ?? {}) as { path?: unknown; url?: unknown };
  if ((spec.use === "env" || spec.use === "sqlite") && typeof options.path === "string") {
    return `${spec.use}:${options.path}`;
  }
  if (spec.use === "redis" && typeof options.url === "string" && !/\/\/[^/@]*@/.test(options.url)) {
    return `redis:${options.url}`;
  }
  return undefined;
}

/** The command that stores a new token for an account, by its flow. */
export function refreshCommand(account: string, flow: string, sinks: readonly string[]): string {
  const command =
    flow === "browser" ? "login" : flow === "token-request" ? "request-token" : "generate-token";
  return ["upstox-token", command, "--account", account, ...sinks.flatMap((s) => ["--sink", s])].join(" ");
}
