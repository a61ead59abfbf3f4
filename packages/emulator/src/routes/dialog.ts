import type { DialogSession, EmulatorState } from "../emulator-state.js";
import { sendApiError } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";
import { dialogUserId } from "../random-ids.js";

export const DIALOG_COOKIE = "login_dialog";

/** Query values as the real Location shows them: encoded, but with `:` and `/` left readable. */
function queryValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%2F/gi, "/");
}

/** R1 `GET /v2/login/authorization/dialog`: validate the app, then 302 to the login page. */
export function handleDialog(ex: HttpExchange, state: EmulatorState) {
  const clientId = ex.query.get("client_id") ?? "";
  const redirectUri = ex.query.get("redirect_uri") ?? "";
  if (ex.query.get("response_type") !== "code") return sendApiError(ex, "UDAPI100036");
  const app = state.apps.get(clientId);
  if (!app) return sendApiError(ex, "UDAPI100068");
  if (!app.active) return sendApiError(ex, "UDAPI100073");
  if (!app.redirectUris.includes(redirectUri)) return sendApiError(ex, "UDAPI100068");

  const dialog: DialogSession = {
    userIdOpaque: dialogUserId(),
    app,
    redirectUri,
    state: ex.query.get("state") ?? undefined,
    createdAt: state.now(),
  };
  state.dialogs.set(dialog.userIdOpaque, dialog);
  state.lastDialog = dialog;
  ex.setCookie(DIALOG_COOKIE, dialog.userIdOpaque, { maxAgeSeconds: 3600 });
  const { loginBase, internalRedirectUri } = state.config;
  const query = [
    `redirect_uri=${queryValue(internalRedirectUri)}`,
    "response_type=code",
    `client_id=${app.internalClientId}`,
    `user_id=${queryValue(dialog.userIdOpaque)}`,
    "user_type=individual",
  ].join("&");
  ex.redirect(`${loginBase}/login/v2/oauth/authorize?${query}`);
}
