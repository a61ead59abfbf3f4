import { requireBearer } from "../bearer-token.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendApiError, sendApiSuccess } from "../envelopes.js";
import type { HttpExchange } from "../http-exchange.js";
import { updateStaticIp } from "../static-ip.js";

function ipsFrom(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const b = body as Record<string, unknown>;
  return [b.primary_ip, b.secondary_ip, ...(Array.isArray(b.ips) ? b.ips : [])].filter(
    (v): v is string => typeof v === "string" && v !== "",
  );
}

/** `GET /v2/user/ip`: the user's registered static IPs. */
export function handleGetStaticIp(ex: HttpExchange, state: EmulatorState) {
  const record = requireBearer(ex, state);
  if (!record) return;
  const ips = state.staticIpUpdates.get(record.user.mobile)?.ips ?? [];
  sendApiSuccess(ex, { primary_ip: ips[0] ?? null, secondary_ip: ips[1] ?? null });
}

/** `PUT /v2/user/ip`: once a calendar week; success invalidates the current tokens (2026 rule). */
export function handlePutStaticIp(ex: HttpExchange, state: EmulatorState) {
  const record = requireBearer(ex, state);
  if (!record) return;
  const ips = ipsFrom(ex.jsonBody());
  if (ips.length === 0) return sendApiError(ex, "UDAPI100036");
  if (!updateStaticIp(state, record.user, ips)) return sendApiError(ex, "UDAPI1179");
  sendApiSuccess(ex, { primary_ip: ips[0], secondary_ip: ips[1] ?? null, access_tokens_invalidated: true });
}
