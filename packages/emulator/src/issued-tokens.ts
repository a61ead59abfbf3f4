import type { EmulatorState } from "./emulator-state.js";
import type { IssuedToken } from "./types.js";

/** Access tokens minted so far (extended tokens are not listed), oldest first. */
export function issuedTokens(state: EmulatorState): IssuedToken[] {
  return [...state.tokens.values()]
    .filter((t) => t.kind === "access")
    .map((t) => ({
      jti: t.jti,
      sub: t.user.userId,
      apiKey: t.app.apiKey,
      exp: t.expiresAt,
      revoked: t.revoked,
    }));
}
