import type { EmulatorState, WebSession } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { authorizationCode } from "../random-ids.js";
import { serviceRequestData } from "../service-request.js";
import { LOGIN_SESSION_TTL_MS } from "./otp-verify.js";
import { ACCOUNT_REDIRECT_URI, WEB_ACCESS_COOKIE } from "./two-fa.js";

function uniqueCode(state: EmulatorState): string {
  for (;;) {
    const code = authorizationCode();
    if (!state.codes.has(code)) return code;
  }
}

/** A single-use code for the session's user, redirected through the internal redirect. */
export function issueCode(state: EmulatorState, session: WebSession): string {
  const code = uniqueCode(state);
  state.codes.set(code, {
    code,
    dialog: session.dialog,
    user: session.user,
    createdAt: state.now(),
    used: false,
  });
  return code;
}

/**
 * R5 `POST /login/v2/oauth/authorize` (the internal redirect 2FA used) and the May 2026
 * `/login/open/v6/auth/oauth/authorize` (the account host): needs R4's web session; mints the 6-character code.
 */
export function handleOAuthAuthorize(version: "v2" | "v6") {
  return (ex: HttpExchange, state: EmulatorState) => authorize(ex, state, version);
}

function authorize(ex: HttpExchange, state: EmulatorState, version: "v2" | "v6") {
  const { config } = state;
  const fail = (error: { code: number; message: string }) =>
    sendServiceError(ex, error, config.serviceErrorStatus);
  const cookie = ex.cookies.get(WEB_ACCESS_COOKIE);
  const session = cookie
    ? state.webSessions.get(cookie)
    : config.requireCookies
      ? undefined
      : state.lastWebSession;
  const now = state.now();
  if (!session || now - session.createdAt >= LOGIN_SESSION_TTL_MS)
    return fail(SERVICE_ERRORS.webSessionExpired);
  ex.account = session.user.mobile;
  if (
    ex.query.get("client_id") !== session.dialog.app.internalClientId ||
    ex.query.get("redirect_uri") !==
      (version === "v6" ? ACCOUNT_REDIRECT_URI : session.internalRedirectUri) ||
    ex.query.get("response_type") !== "code"
  ) {
    return fail(SERVICE_ERRORS.generic);
  }
  if (serviceRequestData(ex).userOAuthApproval !== true) {
    return sendServiceSuccess(ex, { redirectUri: null, isApproved: false });
  }
  const code = issueCode(state, session);
  const redirect = version === "v6" ? ACCOUNT_REDIRECT_URI : session.internalRedirectUri;
  sendServiceSuccess(ex, { redirectUri: `${redirect}?code=${code}`, isApproved: true });
}
