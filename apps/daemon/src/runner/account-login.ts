import {
  defaultStateDir,
  endpointMemoryIn,
  type FlowDeps,
  type Logger,
  loginWithBrowser,
  loginWithTotp,
  requestAccessToken,
  serveNotifier,
  type UpstoxToken,
} from "@upstox-token/core";
import type { ResolvedAccount } from "../config/resolve-config.js";

export interface LoginDeps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  signal: AbortSignal;
}

/** Which login-service paths answered, per account, across restarts (UPSTOX_STATE_DIR/endpoints.json). */
const endpointMemory = endpointMemoryIn(defaultStateDir());

/** One login for the account with its configured flow. No retries here: the runner owns them. */
export async function loginForAccount(account: ResolvedAccount, deps: LoginDeps): Promise<UpstoxToken> {
  const flowDeps: FlowDeps = {
    fetch: deps.fetch,
    now: deps.now,
    sleep: deps.sleep,
    logger: deps.logger,
    signal: deps.signal,
    endpointMemory,
    onClockSkew: (skewMs) => {
      if (Math.abs(skewMs) > 5_000) {
        deps.logger.warn(
          { account: account.name, skewMs },
          "this machine's clock differs from Upstox's: sync it (NTP)",
        );
      }
    },
  };
  switch (account.flow) {
    case "totp":
      return loginWithTotp(account.upstox, flowDeps);
    case "browser":
      return loginWithBrowser(account.upstox, {
        ...flowDeps,
        timeoutMs: account.loginTimeoutMs,
        onUrl: (url) =>
          deps.logger.warn(
            { account: account.name, url },
            "browser login: open this URL and log in to Upstox",
          ),
      });
    case "token-request":
      return loginWithTokenRequest(account, flowDeps, deps);
  }
}

/** v3 token request: listen for the notifier webhook first, then ask Upstox to notify the user. */
async function loginWithTokenRequest(account: ResolvedAccount, flowDeps: FlowDeps, deps: LoginDeps) {
  const abort = new AbortController();
  const onAbort = () => abort.abort(deps.signal.reason);
  deps.signal.addEventListener("abort", onAbort, { once: true });
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const token = serveNotifier({
    port: account.notifierPort,
    host: account.notifierHost,
    clientId: account.upstox.clientId,
    // Every delivery is checked with Upstox (profile) before it is stored: the webhook has no signature.
    config: account.upstox,
    flowDeps,
    now: deps.now,
    logger: deps.logger,
    timeoutMs: account.loginTimeoutMs,
    signal: abort.signal,
    onListening: listening,
  });
  try {
    const url = await Promise.race([ready, token.then(() => "")]);
    const request = await requestAccessToken(account.upstox, flowDeps);
    deps.logger.warn(
      { account: account.name, notifier: url, until: new Date(request.authorizationExpiry).toISOString() },
      "token request sent: approve it in the Upstox app (or WhatsApp); waiting for the notifier webhook",
    );
    return await token;
  } catch (error) {
    abort.abort(error);
    token.catch(() => {});
    throw error;
  } finally {
    deps.signal.removeEventListener("abort", onAbort);
  }
}
