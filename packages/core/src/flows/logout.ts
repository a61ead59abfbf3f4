import { z } from "zod";
import type { UpstoxConfig } from "../config.js";
import type { Secret } from "../secret.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { type FlowDeps, flowContext } from "./flow-deps.js";
import { bearerHeaders } from "./profile.js";

/**
 * R8: revokes the access token. Returns true when Upstox revoked it now, false when it was already invalid
 * (401/404: expired, revoked or unknown), so logging out twice is not an error.
 */
export async function logout(
  config: UpstoxConfig,
  accessToken: Secret | string,
  deps: FlowDeps = {},
): Promise<boolean> {
  const ctx = flowContext(config, deps);
  const response = await ctx.http.send({
    step: "logout",
    method: "DELETE",
    url: `${config.apiBase}/v2/logout`,
    headers: bearerHeaders(accessToken),
  });
  if (response.status === 401 || response.status === 404) {
    ctx.logger.debug({ step: "logout", status: response.status }, "token was already invalid");
    return false;
  }
  readUpstoxResponse(response, "logout", z.object({ data: z.unknown() }));
  return true;
}
