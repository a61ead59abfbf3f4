import { z } from "zod";
import { requireCredentials, type UpstoxConfig } from "../config.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { type FlowDeps, flowContext } from "./flow-deps.js";

export interface AccessTokenRequest {
  /** Epoch ms: the request lapses then (the next 03:30 IST) unless the user approves it. */
  authorizationExpiry: number;
  /** Where Upstox will POST the token once the user approves (the app's configured notifier URL). */
  notifierUrl: string;
}

const epochMs = z.union([z.string().regex(/^\d+$/), z.number().int()]).transform(Number);
const schema = z.object({
  status: z.literal("success").optional(),
  data: z.object({ authorization_expiry: epochMs, notifier_url: z.string() }),
});

/**
 * R9, the official semi-automatic flow: asks Upstox to notify the user (app, web, WhatsApp). When the user
 * approves, Upstox POSTs the token to the app's notifier URL (see `createNotifierHandler` / `serveNotifier`).
 */
export async function requestAccessToken(
  config: UpstoxConfig,
  deps: FlowDeps = {},
): Promise<AccessTokenRequest> {
  const c = requireCredentials(config, ["clientId", "clientSecret"], "the access-token request");
  const ctx = flowContext(c, deps);
  const response = await ctx.http.send({
    step: "token-request",
    method: "POST",
    url: `${c.apiBase}/v3/login/auth/token/request/${encodeURIComponent(c.clientId)}`,
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_secret: c.clientSecret.reveal() }),
  });
  const data = readUpstoxResponse(response, "token-request", schema).data;
  return { authorizationExpiry: data.authorization_expiry, notifierUrl: data.notifier_url };
}
