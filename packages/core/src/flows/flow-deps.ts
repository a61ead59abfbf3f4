import { defaultSleep } from "../backoff.js";
import type { UpstoxConfig } from "../config.js";
import type { LoginCookieJar } from "../cookie-jar.js";
import type { PinState } from "../errors.js";
import { HttpClient } from "../http-client.js";
import { type Logger, silentLogger } from "../logger.js";
import type { EndpointMemory } from "./endpoint-memory.js";

/** What every flow can be given instead of the real thing: for tests (fake clock, faults) and for callers. */
export interface FlowDeps {
  fetch?: typeof fetch;
  /** Epoch ms; default Date.now. Drives TOTP codes, token times and waits. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** Log every request (redacted); default config.debug. */
  debug?: boolean;
  signal?: AbortSignal;
  /** Called with each measured clock skew (server minus local, ms). */
  onClockSkew?: (skewMs: number) => void;
  /** The headless login remembers per account which login-service paths answered (see step-fallback.ts). */
  endpointMemory?: EndpointMemory;
  /**
   * Called each time what happened to the PIN changes (not-sent → sent → accepted or refused), so a caller
   * interrupted mid-login (Ctrl-C) can say whether the PIN reached Upstox.
   */
  onPinState?: (state: PinState) => void;
}

export interface FlowContext {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  http: HttpClient;
  signal: AbortSignal | undefined;
}

export function flowContext(
  config: UpstoxConfig,
  deps: FlowDeps = {},
  cookieJar?: LoginCookieJar,
): FlowContext {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  return {
    now,
    sleep: deps.sleep ?? defaultSleep,
    logger,
    signal: deps.signal,
    http: new HttpClient({
      timeoutMs: config.timeoutMs,
      logger,
      debug: deps.debug ?? config.debug,
      fetch: deps.fetch,
      signal: deps.signal,
      cookieJar,
      now,
      onClockSkew: deps.onClockSkew,
    }),
  };
}
