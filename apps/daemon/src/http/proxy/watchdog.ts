/** The watchdog lives in core (refresh/token-watchdog.ts); re-exported here so the proxy's imports stay. */
export { type TokenHealth, TokenWatchdog, type WatchdogVerdict } from "@upstox-token/core";
