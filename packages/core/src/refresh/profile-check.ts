import type { UpstoxConfig } from "../config.js";
import { UpstoxTokenError } from "../errors.js";
import type { FlowDeps } from "../flows/flow-deps.js";
import { getProfile } from "../flows/profile.js";
import type { TokenRecord } from "../record.js";
import type { TokenHealth } from "./token-watchdog.js";

/**
 * The profile checks: Upstox's profile endpoint (docs/upstox-protocol.md, R7) accepts a live token and answers
 * 401 to a dead one. One module for the engine's check of a stored token and the watchdog's check of a refused one.
 */

/** The engine's `verifyToken`: throws INVALID_TOKEN when Upstox no longer accepts the stored token. */
export async function verifyStoredToken(
  config: UpstoxConfig,
  record: TokenRecord,
  deps: FlowDeps = {},
): Promise<void> {
  await getProfile(config, record.accessToken, deps);
}

/** The watchdog's check: alive, dead (INVALID_TOKEN), or unknown (Upstox could not be asked). */
export function profileVerifier(
  upstoxConfig: (account: string) => UpstoxConfig | undefined,
  fetch: typeof globalThis.fetch,
): (account: string, token: string) => Promise<TokenHealth> {
  return async (account, token) => {
    const config = upstoxConfig(account);
    if (!config) return "unknown";
    try {
      await getProfile(config, token, { fetch });
      return "alive";
    } catch (error) {
      if (error instanceof UpstoxTokenError && error.code === "INVALID_TOKEN") return "dead";
      return "unknown";
    }
  };
}
