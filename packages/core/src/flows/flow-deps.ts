import { defaultSleep } from "../backoff.js";
import type { UpstoxConfig } from "../config.js";
import type { LoginCookieJar } from "../cookie-jar.js";
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
   * The headless login's PIN step, as it happens: "sent" is awaited before the PIN leaves (so a record of it is
   * durable before Upstox can see it), then "accepted" or "refused" once the answer is read. A fleet writes these
   * to Redis so a sweeper can tell whether a dead worker's cycle may be run again. A throw from "sent" stops the
   * login before the PIN is sent; a throw after the answer is ignored.
   */
  onPinStep?: (state: "sent" | "accepted" | "refused") => Promise<void> | void;
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
