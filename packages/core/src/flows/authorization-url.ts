import { requireCredentials, type UpstoxConfig } from "../config.js";

/**
 * The R1 URL a user opens to log in: `/v2/login/authorization/dialog` with the app's API key and registered
 * redirect URI. Upstox echoes `state` back on the redirect.
 */
export function authorizationUrl(config: UpstoxConfig, options: { state?: string } = {}): string {
  const c = requireCredentials(config, ["clientId", "redirectUri"], "the authorization URL");
  const url = new URL(`${c.apiBase}/v2/login/authorization/dialog`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", c.clientId);
  url.searchParams.set("redirect_uri", c.redirectUri);
  if (options.state !== undefined) url.searchParams.set("state", options.state);
  return url.toString();
}
