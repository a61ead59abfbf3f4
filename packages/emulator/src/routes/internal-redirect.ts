import type { EmulatorState } from "../emulator-state.js";
import { sendApiError } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";

/** `GET /login/authorization/redirect?code=…`: 302 on to the app's redirect URI with code and state. */
export function handleInternalRedirect(ex: HttpExchange, state: EmulatorState) {
  const record = state.codes.get(ex.query.get("code") ?? "");
  if (!record) return sendApiError(ex, "UDAPI100057");
  ex.account = record.user.mobile;
  const target = new URL(record.dialog.redirectUri);
  target.searchParams.set("code", record.code);
  if (record.dialog.state !== undefined) target.searchParams.set("state", record.dialog.state);
  ex.redirect(target.toString());
}
