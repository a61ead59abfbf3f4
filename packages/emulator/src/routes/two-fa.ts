import type { EmulatorState, WebSession } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { opaqueToken } from "../random-ids.js";
import { serviceRequestData, stringField } from "../service-request.js";
import { IDENTITY_COOKIE, LOGIN_SESSION_TTL_MS } from "./otp-verify.js";

export const WEB_ACCESS_COOKIE = "access_token";
export const WEB_REFRESH_COOKIE = "refresh_token";
const WEB_REFRESH_TTL_MS = 30 * 86_400_000;

/** Strict base64 decode: undefined unless `text` is canonical base64 (so a plaintext PIN never passes). */
function decodeBase64(text: string): string | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text) || text === "")
    return undefined;
  return Buffer.from(text, "base64").toString("utf8");
}

/** R4 `POST /login/open/v{3,4}/auth/2fa`: the PIN, base64-encoded. v4 also wants `profileId`. */
export function twoFaHandler(version: "v3" | "v4") {
  return (ex: HttpExchange, state: EmulatorState) => {
    const { config } = state;
    const fail = (error: { code: number; message: string }) =>
      sendServiceError(ex, error, config.serviceErrorStatus);
    const cookie = ex.cookies.get(IDENTITY_COOKIE);
    const identity = cookie
      ? state.identitySessions.get(cookie)
      : config.requireCookies
        ? undefined
        : state.lastIdentitySession;
    const now = state.now();
    if (!identity || now - identity.createdAt >= LOGIN_SESSION_TTL_MS)
      return fail(SERVICE_ERRORS.loginSessionInvalid);
    const { user, dialog } = identity;
    ex.account = user.mobile;
    if (
      ex.query.get("client_id") !== dialog.app.internalClientId ||
      ex.query.get("redirect_uri") !== config.internalRedirectUri
    ) {
      return fail(SERVICE_ERRORS.generic);
    }
    const data = serviceRequestData(ex);
    if (stringField(data, "twoFAMethod") !== "SECRET_PIN") return fail(SERVICE_ERRORS.generic);
    if (version === "v4" && (!Number.isInteger(data.profileId) || data.profileId !== user.profileId)) {
      return fail(SERVICE_ERRORS.generic);
    }
    if (user.locked) return fail(SERVICE_ERRORS.accountLocked);
    if (decodeBase64(stringField(data, "inputText") ?? "") !== user.pin) {
      user.pinFailures += 1;
      if (user.pinFailures >= config.maxPinAttempts) {
        user.locked = true;
        return fail(SERVICE_ERRORS.accountLocked);
      }
      return fail(SERVICE_ERRORS.incorrectPin);
    }
    user.pinFailures = 0;

    const accessToken = opaqueToken(32);
    const session: WebSession = { dialog, user, createdAt: now };
    state.webSessions.set(accessToken, session);
    state.lastWebSession = session;
    ex.setCookie(WEB_ACCESS_COOKIE, accessToken, { maxAgeSeconds: LOGIN_SESSION_TTL_MS / 1000 });
    ex.setCookie(WEB_REFRESH_COOKIE, opaqueToken(32), { maxAgeSeconds: WEB_REFRESH_TTL_MS / 1000 });
    sendServiceSuccess(ex, {
      redirectUri: null,
      userType: "CUSTOMER",
      customerStatus: "ACTIVE",
      appStatus: null,
      refreshTokenExpiry: now + WEB_REFRESH_TTL_MS,
      isPlusPlanFastWebsocketEnabled: false,
      isNewRefreshTokenCreated: true,
      isExternalClientOAuthApp: true,
    });
  };
}
