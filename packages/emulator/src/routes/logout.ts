import { requireBearer } from "../bearer-token.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendApiSuccess } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";

/** R8 `DELETE /v2/logout`: the token then gets 401 UDAPI100050. */
export function handleLogout(ex: HttpExchange, state: EmulatorState) {
  const record = requireBearer(ex, state);
  if (!record) return;
  record.revoked = true;
  sendApiSuccess(ex, true);
}
