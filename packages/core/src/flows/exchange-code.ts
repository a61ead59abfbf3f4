import { z } from "zod";
import { requireCredentials, type UpstoxConfig } from "../config.js";
import { profileFieldsSchema, toUpstoxProfile } from "../profile-fields.js";
import { createToken, type TokenSource, type UpstoxToken } from "../token.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { type FlowDeps, flowContext } from "./flow-deps.js";

const tokenResponseSchema = profileFieldsSchema.extend({
  access_token: z.string().min(1),
  extended_token: z.string().nullable().optional(),
});

/**
 * R6: trades an authorization code for an access token. The code is single-use even when the exchange fails, so
 * this sends exactly one request and never retries. Form-encoded, JSON answer, no cookies.
 */
export async function exchangeCode(
  config: UpstoxConfig,
  code: string,
  deps: FlowDeps & { source?: TokenSource } = {},
): Promise<UpstoxToken> {
  const c = requireCredentials(config, ["clientId", "clientSecret", "redirectUri"], "the token exchange");
  const ctx = flowContext(c, deps);
  const body = new URLSearchParams({
    code,
    client_id: c.clientId,
    client_secret: c.clientSecret.reveal(),
    redirect_uri: c.redirectUri,
    grant_type: "authorization_code",
  });
  // Off by default (§15): only a user who wants a fresh one-year extended token with each login asks for one.
  if (c.refreshExtendedToken) body.set("refresh_extended_token", "true");
  ctx.logger.debug({ step: "token" }, "exchanging the authorization code");
  const response = await ctx.http.send({
    step: "token",
    method: "POST",
    url: `${c.apiBase}/v2/login/authorization/token`,
    headers: {
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
      "api-version": "2.0",
    },
    body: body.toString(),
  });
  const data = readUpstoxResponse(response, "token", tokenResponseSchema);
  return createToken({
    accessToken: data.access_token,
    extendedToken: data.extended_token,
    profile: toUpstoxProfile(data),
    receivedAt: ctx.now(),
    source: deps.source ?? "exchange",
  });
}
