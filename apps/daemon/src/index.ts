export { FileLock } from "@upstox-token/core";
export { configJsonSchema } from "./config/json-schema.js";
export { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile, validateConfig } from "./config/load-config.js";
export type {
  ConfiguredSink,
  DaemonConfig,
  LoginFlow,
  ResolvedAccount,
  ResolvedSchedule,
} from "./config/resolve-config.js";
export { withEndpoints } from "./config/resolve-config.js";
export type {
  DaemonConfigInput,
  LockConfig,
  NotificationsConfig,
  RetryConfig,
  StatusServerConfig,
} from "./config/schema.js";
export { daemonConfigSchema, defineConfig } from "./config/schema.js";
export { type Daemon, type ReloadResult, type StartDaemonOptions, startDaemon } from "./daemon.js";
export * from "./events.js";
export { createLogger, REDACTED_PATHS } from "./logger.js";
export { EXIT_CONFIG, EXIT_FAILED, EXIT_OK, runMain } from "./main.js";
export { type DaemonServers, startDaemonServers } from "./proxy/daemon-servers.js";
export type { ProxyConfig, WatchdogConfig } from "./proxy/proxy-config.js";
export { hashClientKey } from "./proxy/request-policy.js";
export type { CurrentToken, RefreshNowResult, TokenAuthority } from "./proxy/token-authority.js";
export { type TokenHealth, TokenWatchdog, type WatchdogVerdict } from "./proxy/watchdog.js";
export { type Clock, systemClock } from "./runner/clock.js";
export type { AccountOutcome, RunSummary } from "./runner/daemon-runner.js";
export { accountJitterMs, formatIst, formatLocal, nextRunAt, nextRuns } from "./schedule.js";
export type { AccountState, AccountsReport, AccountView } from "./status-page/account-view.js";
