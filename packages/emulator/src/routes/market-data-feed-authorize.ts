import { randomBytes } from "node:crypto";
import { requireBearer } from "../bearer-token.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendApiSuccess } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";

/**
 * `GET /v3/feed/market-data-feed/authorize`: a one-time WebSocket URL for the market-data feed. The emulator
 * checks the token and answers like Upstox (both spellings of the field), but serves no WebSocket itself.
 */
export function handleMarketDataFeedAuthorize(ex: HttpExchange, state: EmulatorState) {
  if (!requireBearer(ex, state)) return;
  const base = state.config.url.replace(/^http/, "ws");
  const uri = `${base}/market-data-feeder/v3/upstox-developer-api/feeds?requestId=${randomBytes(8).toString("hex")}&code=${randomBytes(12).toString("hex")}`;
  sendApiSuccess(ex, { authorized_redirect_uri: uri, authorizedRedirectUri: uri });
}
