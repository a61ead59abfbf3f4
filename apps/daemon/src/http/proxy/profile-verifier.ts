import { getProfile, type UpstoxConfig, UpstoxTokenError } from "@upstox-token/core";
import type { TokenHealth } from "./watchdog.js";

/** The watchdog's check: Upstox's profile endpoint (R7) accepts a live token and answers 401 to a dead one. */
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
