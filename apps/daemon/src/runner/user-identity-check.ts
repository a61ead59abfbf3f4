import { ConfigError, type Logger, userStateFor } from "@upstox-token/core/internal";
import type { DaemonConfig } from "../config/resolve-config.js";

/**
 * An account whose only flow is the token request must know whose token to accept: the notifier URL is
 * public and Upstox's delivery is unsigned, so without `credentials.ucc` or an identity learnt from an earlier
 * verified login (identity.json in the state folder) any user's token would be taken. A config error (exit 2).
 */
export function checkTokenRequestIdentity(config: DaemonConfig, stateDir: string, logger: Logger): void {
  for (const account of config.accounts) {
    if (account.flow !== "token-request" || account.fallback.length > 0 || account.upstox.ucc) continue;
    if (userStateFor(stateDir, account.upstox, logger).identity.recall()) continue;
    const field = `accounts[${account.index}].credentials.ucc`;
    throw new ConfigError(
      `account ${account.name} logs in only by the token request, and its Upstox user is unknown: a token delivered for any other user would be accepted`,
      {
        field,
        ...(config.file ? { file: config.file } : {}),
        hint: `Set ${field} to the account's Upstox user id (UCC, shown in the Upstox app's profile), or UPSTOX_UCC.`,
      },
    );
  }
}
