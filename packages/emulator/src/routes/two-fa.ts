import type { EmulatorState, WebSession } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { opaqueToken } from "../random-ids.js";
import { serviceRequestData, stringField } from "../service-request.js";
import { issueCode } from "./oauth-authorize.js";
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

/** The internal redirect the May 2026 variant (2FA v6, approval at /login/open/v6) sends. */
export const ACCOUNT_REDIRECT_URI = "https://account.upstox.com/";

/**
 * R4 `POST /login/open/v{3,4,6}/auth/2fa`: the PIN, base64-encoded. v4 also wants `profileId`; v6 wants the account
 * host as the internal redirect. With several accounts on the number, `profileId` (v4) or X-Profile-Id chooses.
 */
export function twoFaHandler(version: "v3" | "v4" | "v6") {
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
    const internalRedirect = version === "v6" ? ACCOUNT_REDIRECT_URI : config.internalRedirectUri;
    if (
      ex.query.get("client_id") !== dialog.app.internalClientId ||
      ex.query.get("redirect_uri") !== internalRedirect
    ) {
      return fail(SERVICE_ERRORS.generic);
    }
    const data = serviceRequestData(ex);
    if (stringField(data, "twoFAMethod") !== "SECRET_PIN") return fail(SERVICE_ERRORS.generic);
    const accounts = [{ userId: user.userId, profileId: user.profileId }, ...user.linkedAccounts];
    const wanted = version === "v4" ? data.profileId : Number(ex.header("x-profile-id") ?? user.profileId);
    const account = accounts.find((a) => a.profileId === wanted);
    if (version === "v4" && (!Number.isInteger(data.profileId) || !account)) {
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
    // The chosen account is who the code (and the token) is for.
    const chosen =
      account && account.profileId !== user.profileId
        ? { ...user, userId: account.userId, profileId: account.profileId }
        : user;
    const session: WebSession = {
      dialog,
      user: chosen,
      createdAt: now,
      internalRedirectUri: internalRedirect,
    };
    state.webSessions.set(accessToken, session);
    state.lastWebSession = session;
    ex.setCookie(WEB_ACCESS_COOKIE, accessToken, { maxAgeSeconds: LOGIN_SESSION_TTL_MS / 1000 });
    ex.setCookie(WEB_REFRESH_COOKIE, opaqueToken(32), { maxAgeSeconds: WEB_REFRESH_TTL_MS / 1000 });
    sendServiceSuccess(ex, {
      // Some 2026 answers already carry the code (spec §15); then clients skip the approval call.
      redirectUri: state.codeInTwoFa ? `${internalRedirect}?code=${issueCode(state, session)}` : null,
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
