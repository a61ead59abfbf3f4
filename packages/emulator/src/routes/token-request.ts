import type { EmulatorState } from "../emulator-state.js";
import { sendApiError, sendApiSuccess } from "../envelopes.js";
import { ALGO_REVIEW_CODE } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { upstoxExpiryMs } from "../token-expiry.js";
import { parseTolerantForm } from "../tolerant-form.js";

/** `client_secret` from a JSON body, or from a form body (the official Python sample sends a form). */
function clientSecret(ex: HttpExchange): string | undefined {
  const json = ex.jsonBody();
  if (typeof json === "object" && json !== null) {
    const secret = (json as Record<string, unknown>).client_secret;
    return typeof secret === "string" ? secret : undefined;
  }
  return parseTolerantForm(ex.body).get("client_secret");
}

/** R9 `POST /v3/login/auth/token/request/{client_id}`: the user then approves on the phone. */
export function handleTokenRequest(ex: HttpExchange, state: EmulatorState, [apiKey = ""]: string[]) {
  const app = state.apps.get(apiKey);
  if (!app || app.apiSecret !== clientSecret(ex)) return sendApiError(ex, "UDAPI100069");
  if (!app.active) return sendApiError(ex, "UDAPI100073");
  if (!app.notifierUrl) return sendApiError(ex, "UDAPI1155");
  if (app.algoIdInReview) return sendApiError(ex, ALGO_REVIEW_CODE);
  const now = state.now();
  const expiresAt = upstoxExpiryMs(now);
  state.tokenRequests.set(app.apiKey, { app, createdAt: now, expiresAt });
  sendApiSuccess(ex, { authorization_expiry: String(expiresAt), notifier_url: app.notifierUrl });
}
