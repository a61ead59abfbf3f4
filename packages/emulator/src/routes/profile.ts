import { accountProfile } from "../account-profile.js";
import { requireBearer } from "../bearer-token.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendApiError, sendApiSuccess } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";

/** R7 `GET /v2/user/profile`. */
export function handleProfile(ex: HttpExchange, state: EmulatorState) {
  const record = requireBearer(ex, state);
  if (!record) return;
  if (!record.user.segmentsActive) return sendApiError(ex, "UDAPI100058");
  sendApiSuccess(ex, accountProfile(record.user));
}
