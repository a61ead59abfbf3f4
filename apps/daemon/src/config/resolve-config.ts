// Over 300 lines: resolving a config is one pass (accounts, schedules, secret files, endpoint profiles) whose
// steps share the file's error context (file, field, fix); split, each part would need that context passed in.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  CONFIG_KEY_VARIABLES,
  ConfigError,
  type ConfigProblem,
  IST_OFFSET_MS,
  isEndpointProfilePath,
  loadConfig,
  type MorningPolicy,
  Secret,
  type SinkSpec,
  type UpstoxConfig,
} from "@upstox-token/core";
import type { AlertsConfig, NotificationsConfig } from "@upstox-token/core/daemon-config";
import {
  type AccountConfigParsed,
  type DaemonConfigParsed,
  DEFAULT_CRON,
  DEFAULT_JITTER_MS,
  DEFAULT_TIMEZONE,
  DEFAULT_WATCHDOG,
  type FleetConfig,
  type LockConfig,
  type ProxyConfig,
  type RetryConfig,
  resolveFleetConfig,
  type StatusServerConfig,
  type WatchdogConfig,
} from "@upstox-token/core/daemon-config";
import { Cron } from "croner";
import { configFileError } from "./config-problems.js";
import { cronZone, isTimeZone } from "./time-zone.js";

export type LoginFlow = AccountConfigParsed["flow"];

export interface ResolvedSchedule {
  cron: string;
  timezone: string;
  jitterMaxMs: number;
}

export interface ConfiguredSink {
  spec: SinkSpec;
  /** Where it sits in the file, e.g. "sinks[1]" or "accounts[0].sinks[0]": errors name it. */
  field: string;
}

/** Everything the runner needs about one account. Secrets are `Secret`s; nothing here prints them. */
export interface ResolvedAccount {
  name: string;
  index: number;
  flow: LoginFlow;
  /** Flows tried in the same cycle when `flow` cannot work now. */
  fallback: LoginFlow[];
  /** Validated credentials in the form core's flows take. */
  upstox: UpstoxConfig;
  schedule: ResolvedSchedule;
  /** null: the top-level sinks. */
  sinks: ConfiguredSink[] | null;
  notifierPort: number;
  notifierHost: string;
  loginTimeoutMs: number;
  /** The secrets that were given in the file itself (for the clear-text warning). */
  clearTextCandidates: Record<string, Secret | undefined>;
}

export interface DaemonConfig {
  /** The config file, or null for a config given as an object. */
  file: string | null;
  /** Relative paths (sinks, *File, lock folder) resolve against this: the config file's folder. */
  baseDir: string;
  accounts: ResolvedAccount[];
  sinks: ConfiguredSink[];
  lock: LockConfig;
  concurrency: number;
  pace: { requestsPerSecond: number };
  retry: RetryConfig;
  marginMs: number;
  timeoutMs: number | undefined;
  /** Check stored tokens with Upstox (profile call) at start-up and after a reload. */
  verifyOnStart: boolean;
  notifications: NotificationsConfig | undefined;
  /** Alert channels (Telegram, ntfy, Slack, Discord, email); undefined: none. */
  alerts?: AlertsConfig | undefined;
  /** When a failing morning escalates and until when it retries; undefined: core's defaults. */
  morning?: MorningPolicy | undefined;
  statusServer: StatusServerConfig | undefined;
  /** The local API proxy (issue 11); undefined: off. */
  proxy: ProxyConfig | undefined;
  watchdog: WatchdogConfig;
  /** Fleet mode (issue 18): undefined when this daemon schedules its accounts itself. */
  fleet: FleetConfig | undefined;
  /** Non-fatal findings, already logged by the loader. */
  warnings: string[];
}

export const DEFAULT_PACE_RPS = 20;
export const DEFAULT_NOTIFIER_PORT = 8977;
export const DEFAULT_LOGIN_TIMEOUT_MS = 10 * 60_000;

/** Reads *File secrets, builds each account's core config and checks cron expressions; all problems at once. */
export function resolveDaemonConfig(
  parsed: DaemonConfigParsed,
  context: { file: string | null; baseDir: string; env?: Record<string, string | undefined> },
): DaemonConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const topSchedule = resolveSchedule(parsed.schedule, undefined, "schedule", problems, warnings);
  const accounts: ResolvedAccount[] = [];
  parsed.accounts.forEach((account, index) => {
    const resolved = resolveAccount(account, index, parsed, topSchedule, context, problems, warnings);
    if (resolved) accounts.push(resolved);
  });
  const sharing = parsed.accounts.filter((a) => !a.sinks).length;
  parsed.sinks.forEach((spec, i) => {
    const options = (spec.options ?? {}) as { accountPrefix?: unknown; account?: unknown };
    if (
      spec.use === "env" &&
      sharing > 1 &&
      options.accountPrefix !== true &&
      options.account === undefined
    ) {
      problems.push({
        field: `sinks[${i}].options.accountPrefix`,
        message: `sinks[${i}].options.accountPrefix: ${sharing} accounts share this .env file, so each needs its own keys: set "accountPrefix": true (keys become <ACCOUNT>_UPSTOX_ACCESS_TOKEN), or give each account its own env sink`,
      });
    }
  });
  if (problems.length > 0) throw configFileError(context.file, problems);
  return {
    file: context.file,
    baseDir: context.baseDir,
    accounts,
    sinks: parsed.sinks.map((spec, i) => ({ spec: spec as SinkSpec, field: `sinks[${i}]` })),
    // Fleet mode without a lock: the engine's lock lives on the fleet's Redis (it must hold across machines).
    lock: parsed.lock ?? (parsed.fleet ? { use: "redis", url: parsed.fleet.redis } : { use: "file" }),
    // Fleet mode: the worker's concurrency is the runner's too (a job waiting on the runner's limiter would idle).
    concurrency: parsed.fleet?.concurrency ?? parsed.concurrency,
    pace: parsed.pace ?? { requestsPerSecond: DEFAULT_PACE_RPS },
    retry: parsed.retry,
    marginMs: parsed.marginMs,
    timeoutMs: parsed.timeoutMs,
    verifyOnStart: parsed.verifyOnStart,
    notifications: parsed.notifications,
    alerts: parsed.alerts,
    morning: parsed.morning,
    statusServer: parsed.statusServer,
    proxy: parsed.proxy,
    watchdog: parsed.watchdog ?? DEFAULT_WATCHDOG,
    fleet: resolveFleetConfig(parsed.fleet, parsed.concurrency),
    warnings,
  };
}

function resolveSchedule(
  input:
    | { cron?: string | undefined; timezone?: string | undefined; jitterMaxMs?: number | undefined }
    | undefined,
  inherited: ResolvedSchedule | undefined,
  field: string,
  problems: ConfigProblem[],
  warnings: string[],
): ResolvedSchedule {
  const schedule: ResolvedSchedule = {
    cron: input?.cron ?? inherited?.cron ?? DEFAULT_CRON,
    timezone: input?.timezone ?? inherited?.timezone ?? DEFAULT_TIMEZONE,
    jitterMaxMs: input?.jitterMaxMs ?? inherited?.jitterMaxMs ?? DEFAULT_JITTER_MS,
  };
  if (!isTimeZone(schedule.timezone)) {
    problems.push({
      field: `${field}.timezone`,
      message: `${field}.timezone: "${schedule.timezone}" is not a time zone; use an IANA name such as "Asia/Kolkata"`,
    });
    return schedule;
  }
  try {
    const cron = new Cron(schedule.cron, { ...cronZone(schedule.timezone), paused: true });
    const early = cron.nextRuns(7).find((run) => {
      const ist = new Date(run.getTime() + IST_OFFSET_MS);
      return ist.getUTCHours() * 60 + ist.getUTCMinutes() < 3 * 60 + 30;
    });
    if (early) {
      warnings.push(
        `${field}.cron: "${schedule.cron}" runs before 03:30 IST, and a token obtained then expires at 03:30 IST the same morning; the default "${DEFAULT_CRON}" runs just after`,
      );
    }
  } catch (error) {
    problems.push({
      field: `${field}.cron`,
      message: `${field}.cron: "${schedule.cron}" is not a valid cron expression (${(error as Error).message}); e.g. "${DEFAULT_CRON}" is 03:35 every day`,
    });
  }
  return schedule;
}

type SecretField = "pin" | "totpSecret" | "clientSecret";

function readSecretFile(
  path: string,
  field: string,
  baseDir: string,
  problems: ConfigProblem[],
): string | undefined {
  const file = resolve(baseDir, path);
  try {
    const value = readFileSync(file, "utf8").trim();
    if (value === "") {
      problems.push({ field, message: `${field}: the file ${file} is empty; put the secret in it` });
      return undefined;
    }
    return value;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push({
      field,
      message: `${field}: cannot read the file ${file} (${reason}); check the path and that the daemon's user may read it`,
    });
    return undefined;
  }
}

/** core's loadConfig names env variables; in a config file the user needs the field instead. */
const FIELD_FOR_VARIABLE: Record<string, string> = {
  [CONFIG_KEY_VARIABLES.mobile]: "mobile",
  [CONFIG_KEY_VARIABLES.pin]: "pin",
  [CONFIG_KEY_VARIABLES.totpSecret]: "totpSecret",
  [CONFIG_KEY_VARIABLES.clientId]: "clientId",
  [CONFIG_KEY_VARIABLES.clientSecret]: "clientSecret",
  [CONFIG_KEY_VARIABLES.redirectUri]: "redirectUri",
  [CONFIG_KEY_VARIABLES.apiBase]: "apiBase",
  [CONFIG_KEY_VARIABLES.serviceBase]: "serviceBase",
  [CONFIG_KEY_VARIABLES.endpointProfile]: "endpointProfile",
  [CONFIG_KEY_VARIABLES.ucc]: "ucc",
  [CONFIG_KEY_VARIABLES.appVersion]: "appVersion",
  [CONFIG_KEY_VARIABLES.timeoutMs]: "timeoutMs",
};

function resolveAccount(
  account: AccountConfigParsed,
  index: number,
  parsed: DaemonConfigParsed,
  topSchedule: ResolvedSchedule,
  context: { baseDir: string; env?: Record<string, string | undefined> },
  problems: ConfigProblem[],
  warnings: string[],
): ResolvedAccount | undefined {
  const at = `accounts[${index}]`;
  const c = account.credentials;
  const before = problems.length;
  const secrets: Record<SecretField, string | undefined> = {
    pin: c.pinFile
      ? readSecretFile(c.pinFile, `${at}.credentials.pinFile`, context.baseDir, problems)
      : c.pin,
    totpSecret: c.totpSecretFile
      ? readSecretFile(c.totpSecretFile, `${at}.credentials.totpSecretFile`, context.baseDir, problems)
      : c.totpSecret,
    clientSecret: c.clientSecretFile
      ? readSecretFile(c.clientSecretFile, `${at}.credentials.clientSecretFile`, context.baseDir, problems)
      : c.clientSecret,
  };
  const secretsRead = problems.length === before;
  const schedule = account.schedule
    ? resolveSchedule(account.schedule, topSchedule, `${at}.schedule`, problems, warnings)
    : topSchedule;
  const upstox = secretsRead
    ? buildUpstoxConfig(
        account,
        secrets,
        parsed.timeoutMs,
        `${at}.credentials`,
        problems,
        context.baseDir,
        context.env,
      )
    : undefined;
  if (!upstox || problems.length > before) return undefined;
  return {
    name: account.name,
    index,
    flow: account.flow,
    fallback: account.fallback ?? [],
    upstox,
    schedule,
    sinks: account.sinks
      ? account.sinks.map((spec, i) => ({ spec: spec as SinkSpec, field: `${at}.sinks[${i}]` }))
      : null,
    notifierPort: account.notifierPort ?? DEFAULT_NOTIFIER_PORT,
    notifierHost: account.notifierHost ?? "127.0.0.1",
    loginTimeoutMs: account.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
    clearTextCandidates: {
      pin: c.pin && !c.pinFile ? new Secret(c.pin) : undefined,
      totpSecret: c.totpSecret && !c.totpSecretFile ? new Secret(c.totpSecret) : undefined,
      clientSecret: c.clientSecret && !c.clientSecretFile ? new Secret(c.clientSecret) : undefined,
    },
  };
}

/** Builds core's UpstoxConfig from an account (and optional endpoint overrides, e.g. --emulator). */
export function buildUpstoxConfig(
  account: AccountConfigParsed,
  secrets: Record<SecretField, string | undefined>,
  timeoutMs: number | undefined,
  field: string,
  problems: ConfigProblem[],
  baseDir: string = process.cwd(),
  env: Record<string, string | undefined> = {},
): UpstoxConfig | undefined {
  const c = account.credentials;
  // The same base and debug variables as the CLI; a value in the config file wins over the environment.
  const fromEnv = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  // A profile file named in the config is found beside the config, like pinFile and the sinks' paths.
  const endpointProfile =
    c.endpointProfile !== undefined && isEndpointProfilePath(c.endpointProfile)
      ? resolve(baseDir, c.endpointProfile)
      : c.endpointProfile;
  const overrides = {
    mobile: c.mobile,
    pin: secrets.pin,
    totpSecret: secrets.totpSecret,
    clientId: c.clientId,
    clientSecret: secrets.clientSecret,
    redirectUri: c.redirectUri,
    apiBase: c.apiBase ?? fromEnv(CONFIG_KEY_VARIABLES.apiBase),
    serviceBase: c.serviceBase ?? fromEnv(CONFIG_KEY_VARIABLES.serviceBase),
    debug: fromEnv(CONFIG_KEY_VARIABLES.debug),
    endpointProfile,
    ucc: c.ucc,
    appVersion: c.appVersion,
    refreshExtendedToken: c.refreshExtendedToken,
    timeoutMs,
  };
  try {
    return loadConfig({ env: {}, envFile: false, overrides: stripUndefined(overrides) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems.length > 0
      ? error.problems
      : [{ field: "", message: error.message }]) {
      const name = FIELD_FOR_VARIABLE[problem.field] ?? problem.field;
      const path = `${field}.${name}`;
      const message = problem.message.replaceAll(problem.field, name);
      problems.push({ field: path, message: `${path}: ${message}` });
    }
    return undefined;
  }
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The same config with every account pointed at other hosts (the --emulator mode). */
export function withEndpoints(
  config: DaemonConfig,
  bases: { apiBase: string; serviceBase: string },
): DaemonConfig {
  return {
    ...config,
    accounts: config.accounts.map((account) => ({
      ...account,
      upstox: { ...account.upstox, apiBase: bases.apiBase, serviceBase: bases.serviceBase },
    })),
  };
}
