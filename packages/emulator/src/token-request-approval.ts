import type { EmulatorState } from "./emulator-state.js";
import { mintAccessToken } from "./token-minting.js";
import type { TokenRequestApproval } from "./types.js";

const NOTIFIER_TIMEOUT_MS = 10_000;

/**
 * Plays the user approving a pending v3 token request (R9): mints an access token and POSTs the
 * R10 body (times as strings of epoch ms) to the app's notifier URL.
 */
export async function approveTokenRequest(
  state: EmulatorState,
  apiKey: string,
  opts: { mobile?: string } = {},
): Promise<TokenRequestApproval> {
  const pending = state.tokenRequests.get(apiKey);
  if (!pending)
    throw new Error(`no pending token request for app ${apiKey}; POST /v3/login/auth/token/request first`);
  if (state.now() >= pending.expiresAt) {
    state.tokenRequests.delete(apiKey);
    throw new Error(
      `the token request for app ${apiKey} expired at ${new Date(pending.expiresAt).toISOString()}`,
    );
  }
  const user = opts.mobile ? state.users.get(opts.mobile) : state.users.values().next().value;
  if (!user)
    throw new Error(opts.mobile ? `no user with mobile ${opts.mobile}` : "the emulator has no users");
  const notifierUrl = pending.app.notifierUrl;
  if (!notifierUrl) throw new Error(`app ${apiKey} has no notifierUrl`);
  state.tokenRequests.delete(apiKey);

  const record = mintAccessToken(state, user, pending.app);
  const body = {
    client_id: pending.app.apiKey,
    user_id: user.userId,
    access_token: record.token,
    token_type: "Bearer",
    expires_at: String(record.expiresAt),
    issued_at: String(record.issuedAt),
    message_type: "access_token",
  };
  try {
    const response = await fetch(notifierUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "*/*" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(NOTIFIER_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { delivered: response.ok, status: response.status, token: record.token };
  } catch {
    return { delivered: false, token: record.token };
  }
}

/**
 * Mints a valid access token for any user and app, as if that user had logged in to that app elsewhere: what
 * a stranger could post to someone's notifier (their own genuine token). Nothing is delivered.
 */
export function mintTokenFor(
  state: EmulatorState,
  apiKey: string,
  opts: { mobile?: string } = {},
): { token: string; userId: string; issuedAt: number; expiresAt: number } {
  const app = state.apps.get(apiKey);
  if (!app) throw new Error(`no app ${apiKey}`);
  const user = opts.mobile ? state.users.get(opts.mobile) : state.users.values().next().value;
  if (!user)
    throw new Error(opts.mobile ? `no user with mobile ${opts.mobile}` : "the emulator has no users");
  const record = mintAccessToken(state, user, app);
  return { token: record.token, userId: user.userId, issuedAt: record.issuedAt, expiresAt: record.expiresAt };
}
