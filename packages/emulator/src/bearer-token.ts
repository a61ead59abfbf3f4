import type { EmulatorState, TokenRecord } from "./emulator-state.js";
import { sendApiError } from "./envelopes.js";
import type { HttpExchange } from "./http-exchange.js";
import { liveToken } from "./token-minting.js";

/** The live token behind `Authorization: Bearer …`; otherwise answers 401 UDAPI100050 and returns null. */
export function requireBearer(ex: HttpExchange, state: EmulatorState): TokenRecord | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ex.header("authorization") ?? "");
  const record = match?.[1] ? liveToken(state, match[1]) : null;
  if (!record) {
    sendApiError(ex, "UDAPI100050");
    return null;
  }
  ex.account = record.user.mobile;
  return record;
}
