export { FileLock, formatIst, formatLocal } from "@upstox-token/core";
export type {
  DaemonConfigInput,
  LockConfig,
  NotificationsConfig,
  ProxyConfig,
  RetryConfig,
  StatusServerConfig,
  WatchdogConfig,
} from "@upstox-token/core/daemon-config";
export { daemonConfigSchema, defineConfig } from "@upstox-token/core/daemon-config";
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
export { type DaemonServers, startDaemonServers } from "./http/daemon-servers.js";
export type { CurrentToken, RefreshNowResult, TokenAuthority } from "./http/proxy/token-authority.js";
export { type TokenHealth, TokenWatchdog, type WatchdogVerdict } from "./http/proxy/watchdog.js";
export { hashClientKey } from "./http/request-policy.js";
export type { AccountState, AccountsReport, AccountView } from "./http/status-page/account-view.js";
export { EXIT_CONFIG, EXIT_FAILED, EXIT_OK, runMain } from "./main.js";
export * from "./observe/account-status.js";
export * from "./observe/event-bus.js";
export { createLogger, REDACTED_PATHS } from "./observe/logger.js";
export { type Clock, systemClock } from "./runner/clock.js";
export { type Daemon, type ReloadResult, type StartDaemonOptions, startDaemon } from "./runner/daemon.js";
export type { AccountResult, RunSummary } from "./runner/daemon-runner.js";
export { accountJitterMs, nextRunAt, nextRuns } from "./runner/schedule.js";
