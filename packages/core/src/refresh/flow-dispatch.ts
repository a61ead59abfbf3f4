import type { UpstoxConfig } from "../config.js";
import { defaultStateDir, endpointMemoryIn } from "../flows/endpoint-memory.js";
import type { FlowDeps } from "../flows/flow-deps.js";
import { loginWithBrowser } from "../flows/login-with-browser.js";
import { loginWithTokenRequest } from "../flows/login-with-token-request.js";
import { loginWithTotp } from "../flows/login-with-totp.js";
import type { Logger } from "../logger.js";
import type { TokenRecord } from "../record.js";
import type { UpstoxToken } from "../token.js";
import { verifyStoredToken as verifyWithProfile } from "./profile-check.js";

export type LoginFlow = "totp" | "browser" | "token-request";

/** What the dispatcher needs of an account (the daemon's resolved account is one). */
export interface FlowAccount {
  name: string;
  flow: LoginFlow;
  upstox: UpstoxConfig;
  /** The browser login's and the token request's wait for the person. */
  loginTimeoutMs: number;
  notifierPort: number;
  notifierHost: string;
}

export interface LoginDeps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/** Which login-service paths answered, per account, across restarts (UPSTOX_STATE_DIR/endpoints.json). */
let endpointMemory: ReturnType<typeof endpointMemoryIn> | undefined;

/** Read at the first login, not at import: a library user's UPSTOX_STATE_DIR set after import still counts. */
function rememberedEndpoints(): ReturnType<typeof endpointMemoryIn> {
  endpointMemory ??= endpointMemoryIn(defaultStateDir());
  return endpointMemory;
}

function flowDepsFor(account: FlowAccount, deps: LoginDeps): FlowDeps {
  return {
    fetch: deps.fetch,
    now: deps.now,
    sleep: deps.sleep,
    logger: deps.logger,
    ...(deps.signal ? { signal: deps.signal } : {}),
    endpointMemory: rememberedEndpoints(),
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

/**
 * The flow dispatcher: one login for the account with its configured flow (or a fallback flow). No retries
 * here: the refresher owns them.
 */
export async function loginForAccount(
  account: FlowAccount,
  deps: LoginDeps,
  flow: LoginFlow = account.flow,
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
export function verifyAccountToken(
  account: FlowAccount,
  record: TokenRecord,
  deps: LoginDeps,
): Promise<void> {
  return verifyWithProfile(account.upstox, record, flowDepsFor(account, deps));
}
