import type { UpstoxConfig } from "../config.js";
import { ConfigError, UpstoxTokenError } from "../errors.js";
import type { UpstoxToken } from "../token.js";
import type { FlowDeps } from "./flow-deps.js";
import { type ServeNotifierOptions, serveNotifier } from "./notifier.js";
import { type AccessTokenRequest, requestAccessToken } from "./token-request.js";

/** The `field` of the ConfigError thrown when the notifier cannot listen; shells rename it to their option. */
export const NOTIFIER_PORT_FIELD = "notifierPort";

export interface LoginWithTokenRequestOptions {
  /** Where the notifier webhook listens (behind the public HTTPS host Upstox posts to). */
  port: number;
  host?: string;
  path?: string;
  /** Give up after this long (LOGIN_TIMEOUT). */
  timeoutMs?: number;
  /** Called once the request is sent: tell the user to approve it before `authorizationExpiry`. */
  onRequested?: (request: AccessTokenRequest & { listeningOn: string }) => void;
  /** Anything else the notifier takes (its delivery checks); passed through unchanged. */
  notifier?: Partial<Omit<ServeNotifierOptions, "port" | "host" | "path" | "signal" | "onListening">>;
}

/**
 * The v3 access-token request end to end: listen for the notifier webhook first (a quick approval cannot
 * arrive before the server is up), send the request, then wait for the delivered token. An error (a port in
 * use, a refused request, a timeout, an abort) closes the webhook server.
 */
export async function loginWithTokenRequest(
  config: UpstoxConfig,
  options: LoginWithTokenRequestOptions,
  deps: FlowDeps = {},
): Promise<UpstoxToken> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(deps.signal?.reason);
  if (deps.signal?.aborted) onAbort();
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const delivered = serveNotifier({
    // Every delivery is checked with Upstox (profile call, user, expiry) before it is accepted.
    config,
    flowDeps: deps,
    ...(config.ucc ? { expectedUserId: config.ucc } : {}),
    ...(config.clientId ? { clientId: config.clientId } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...options.notifier,
    port: options.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    signal: abort.signal,
    onListening: listening,
  }).catch((error: unknown) => {
    if (error instanceof UpstoxTokenError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `the notifier cannot listen on ${options.host ?? "127.0.0.1"}:${options.port}: ${message}`,
      { field: NOTIFIER_PORT_FIELD, cause: error, hint: "Pick a free port (or stop the program using it)." },
    );
  });
  try {
    const url = await Promise.race([ready, delivered.then(() => "")]);
    const request = await requestAccessToken(config, deps);
    options.onRequested?.({ ...request, listeningOn: url });
    return await delivered;
  } catch (error) {
    abort.abort(error);
    delivered.catch(() => {});
    throw error;
  } finally {
    deps.signal?.removeEventListener("abort", onAbort);
  }
}
