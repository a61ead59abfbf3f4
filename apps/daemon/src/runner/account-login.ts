import {
  defaultStateDir,
  endpointMemoryIn,
  type FlowDeps,
  getProfile,
  type Logger,
  loginWithBrowser,
  loginWithTokenRequest,
  loginWithTotp,
  type TokenRecord,
  type UpstoxToken,
} from "@upstox-token/core";
import type { ResolvedAccount } from "../config/resolve-config.js";

export interface LoginDeps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/** Which login-service paths answered, per account, across restarts (UPSTOX_STATE_DIR/endpoints.json). */
const endpointMemory = endpointMemoryIn(defaultStateDir());

function flowDepsFor(account: ResolvedAccount, deps: LoginDeps): FlowDeps {
  return {
    fetch: deps.fetch,
    now: deps.now,
    sleep: deps.sleep,
    logger: deps.logger,
    ...(deps.signal ? { signal: deps.signal } : {}),
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
}

/** One login for the account with its configured flow. No retries here: core's refresher owns them. */
export async function loginForAccount(
  account: ResolvedAccount,
  deps: LoginDeps,
  flow: ResolvedAccount["flow"] = account.flow,
  /** The user a notifier delivery must belong to (the `ucc`, else the identity learnt earlier). */
  pinned: { expectedUserId?: string | undefined } = {},
): Promise<UpstoxToken> {
  const flowDeps = flowDepsFor(account, deps);
  switch (flow) {
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
      return loginWithTokenRequest(
        account.upstox,
        {
          port: account.notifierPort,
          host: account.notifierHost,
          timeoutMs: account.loginTimeoutMs,
          ...(pinned.expectedUserId ? { notifier: { expectedUserId: pinned.expectedUserId } } : {}),
          onRequested: (request) =>
            deps.logger.warn(
              {
                account: account.name,
                notifier: request.listeningOn,
                until: new Date(request.authorizationExpiry).toISOString(),
              },
              "token request sent: approve it in the Upstox app (or WhatsApp); waiting for the notifier webhook",
            ),
        },
        flowDeps,
      );
  }
}

/** The profile call: does Upstox still accept the stored token? Throws INVALID_TOKEN when it does not. */
export async function verifyStoredToken(
  account: ResolvedAccount,
  record: TokenRecord,
  deps: LoginDeps,
): Promise<void> {
  await getProfile(account.upstox, record.accessToken, flowDepsFor(account, deps));
}
