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
   * What happened to the PIN, as it happens (the one PIN listener: a fleet's ledger, the CLI's Ctrl-C note).
   * "sent" is awaited before the PIN leaves, so a durable record of it exists before Upstox can see it, and a
   * throw from it stops the login before the PIN is sent. "accepted" or "refused" follow the answer, and
   * "not-sent" a send that never reached the login service (a path that is gone, a firewall block); a throw
   * after the answer is ignored.
   */
  onPinStep?: (state: PinState) => Promise<void> | void;
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
