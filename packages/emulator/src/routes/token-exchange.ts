import { accountProfile } from "../account-profile.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendApiError } from "../envelopes.js";
import { ALGO_REVIEW_CODE } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { extendedTokenFor, mintAccessToken } from "../token-minting.js";
import { parseTolerantForm } from "../tolerant-form.js";

/** R6 `POST /v2/login/authorization/token`: the code is burnt first, whatever else is wrong. */
export function handleTokenExchange(ex: HttpExchange, state: EmulatorState) {
  const form = parseTolerantForm(ex.body);
  const record = state.codes.get(form.get("code") ?? "");
  const now = state.now();
  const usable = record !== undefined && !record.used && now - record.createdAt < state.config.codeTtlMs;
  if (record) {
    record.used = true;
    ex.account = record.user.mobile;
  }

  if (form.get("grant_type") !== "authorization_code") return sendApiError(ex, "UDAPI100036");
  const app = state.apps.get(form.get("client_id") ?? "");
  if (!app || app.apiSecret !== form.get("client_secret")) return sendApiError(ex, "UDAPI100069");
  const redirectUri = form.get("redirect_uri") ?? "";
  if (!app.redirectUris.includes(redirectUri)) return sendApiError(ex, "UDAPI100068");
  if (!usable || record.dialog.app !== app) return sendApiError(ex, "UDAPI100057");
  if (record.dialog.redirectUri !== redirectUri) return sendApiError(ex, "UDAPI100068");
  const { user } = record;
  if (!user.segmentsActive) return sendApiError(ex, "UDAPI100058");
  if (app.algoIdInReview) return sendApiError(ex, ALGO_REVIEW_CODE);

  const access = mintAccessToken(state, user, app);
  const extended = extendedTokenFor(state, user, app, form.get("refresh_extended_token") === "true");
  if (state.malformedTokens > 0) {
    // A success envelope whose token is not a token (a misbehaving upstream): clients must store nothing.
    state.malformedTokens--;
    ex.json(200, { ...accountProfile(user), access_token: "not-a-jwt", extended_token: null });
    return;
  }
  ex.json(200, { ...accountProfile(user), access_token: access.token, extended_token: extended.token });
}
