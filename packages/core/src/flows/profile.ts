import { z } from "zod";
import type { UpstoxConfig } from "../config.js";
import { profileFieldsSchema, toUpstoxProfile } from "../profile-fields.js";
import { isSecret, type Secret } from "../secret.js";
import type { UpstoxProfile } from "../token.js";
import { errorFromBody, upstoxError } from "../upstox-errors.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { type FlowDeps, flowContext } from "./flow-deps.js";

const profileResponseSchema = z.object({
  status: z.literal("success").optional(),
  data: profileFieldsSchema,
});

export function bearerHeaders(accessToken: Secret | string): Record<string, string> {
  const token = isSecret(accessToken) ? accessToken.reveal() : accessToken;
  return { authorization: `Bearer ${token}`, accept: "application/json", "api-version": "2.0" };
}

/** R7: the user's profile; also the cheapest way to check that a token works. 401 → INVALID_TOKEN. */
export async function getProfile(
  config: UpstoxConfig,
  accessToken: Secret | string,
  deps: FlowDeps = {},
): Promise<UpstoxProfile> {
  const ctx = flowContext(config, deps);
  const response = await ctx.http.send({
    step: "profile",
    method: "GET",
    url: `${config.apiBase}/v2/user/profile`,
    headers: bearerHeaders(accessToken),
  });
  if (response.status === 401) throw invalidToken(response.text, response.status, "profile");
  return toUpstoxProfile(readUpstoxResponse(response, "profile", profileResponseSchema).data);
}

/** A 401 is an invalid token whatever the body says (or if it says nothing). */
export function invalidToken(text: string, httpStatus: number, step: string) {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fromBody = errorFromBody(body, { step, httpStatus });
  if (fromBody?.code === "INVALID_TOKEN") return fromBody;
  return upstoxError(fromBody?.upstoxCode ?? "UDAPI100050", "Invalid token used to access API", {
    step,
    httpStatus,
  });
}
