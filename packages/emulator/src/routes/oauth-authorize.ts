import type { EmulatorState } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { authorizationCode } from "../random-ids.js";
import { serviceRequestData } from "../service-request.js";
import { LOGIN_SESSION_TTL_MS } from "./otp-verify.js";
import { WEB_ACCESS_COOKIE } from "./two-fa.js";

function uniqueCode(state: EmulatorState): string {
  for (;;) {
    const code = authorizationCode();
    if (!state.codes.has(code)) return code;
  }
}

/** R5 `POST /login/v2/oauth/authorize`: needs R4's web session; mints the 6-character code. */
export function handleOAuthAuthorize(ex: HttpExchange, state: EmulatorState) {
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
    ex.query.get("redirect_uri") !== config.internalRedirectUri ||
    ex.query.get("response_type") !== "code"
  ) {
    return fail(SERVICE_ERRORS.generic);
  }
  if (serviceRequestData(ex).userOAuthApproval !== true) {
    return sendServiceSuccess(ex, { redirectUri: null, isApproved: false });
  }
  const code = uniqueCode(state);
  state.codes.set(code, { code, dialog: session.dialog, user: session.user, createdAt: now, used: false });
  sendServiceSuccess(ex, { redirectUri: `${config.internalRedirectUri}?code=${code}`, isApproved: true });
}
