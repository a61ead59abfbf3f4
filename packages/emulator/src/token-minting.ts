import type { EmulatorState, TokenRecord } from "./emulator-state.js";
import { signJwt, verifyJwt } from "./jwt-hs256.js";
import { jwtId } from "./random-ids.js";
import { upstoxExpiryMs } from "./token-expiry.js";
import type { EmulatorApp, EmulatorUser } from "./types.js";

const EXTENDED_TOKEN_LIFETIME_MS = 365 * 86_400_000;

function mint(
  state: EmulatorState,
  user: EmulatorUser,
  app: EmulatorApp,
  kind: TokenRecord["kind"],
  expiresAt: number,
): TokenRecord {
  const issuedAt = state.now();
  const jti = jwtId();
  const token = signJwt(
    {
      sub: user.userId,
      jti,
      isMultiClient: false,
      isPlusPlan: false,
      iat: Math.floor(issuedAt / 1000),
      iss: "udapi-gateway-service",
      exp: Math.floor(expiresAt / 1000),
    },
    state.signingKey,
  );
  const record: TokenRecord = { token, jti, kind, user, app, issuedAt, expiresAt, revoked: false };
  state.tokens.set(jti, record);
  return record;
}

/** An access token valid until the next 03:30 IST. A new login does not revoke older tokens. */
export function mintAccessToken(state: EmulatorState, user: EmulatorUser, app: EmulatorApp): TokenRecord {
  return mint(state, user, app, "access", upstoxExpiryMs(state.now()));
}

/** The user's live extended token for this app, or a new one when asked to refresh or none is live. */
export function extendedTokenFor(
  state: EmulatorState,
  user: EmulatorUser,
  app: EmulatorApp,
  refresh: boolean,
): TokenRecord {
  const now = state.now();
  const live = [...state.tokens.values()].filter(
    (t) => t.kind === "extended" && t.user === user && t.app === app && !t.revoked && now < t.expiresAt,
  );
  if (!refresh && live[0]) return live[0];
  for (const old of live) old.revoked = true;
  return mint(state, user, app, "extended", now + EXTENDED_TOKEN_LIFETIME_MS);
}

/** The record of a token this emulator issued that is neither expired (now ≥ exp) nor revoked. */
export function liveToken(state: EmulatorState, token: string): TokenRecord | null {
  const claims = verifyJwt(token, state.signingKey);
  if (!claims) return null;
  const record = state.tokens.get(claims.jti);
  if (!record || record.token !== token || record.revoked) return null;
  return state.now() >= record.expiresAt ? null : record;
}
