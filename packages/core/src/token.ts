import { upstoxExpiryMs } from "./expiry.js";
import { decodeJwtClaims } from "./jwt.js";
import { Secret } from "./secret.js";

/** The profile fields Upstox returns beside the token (R6) and from the profile endpoint (R7). */
export interface UpstoxProfile {
  userId: string;
  userName?: string | undefined;
  email?: string | undefined;
  broker?: string | undefined;
  userType?: string | undefined;
  exchanges?: string[] | undefined;
  products?: string[] | undefined;
  orderTypes?: string[] | undefined;
  poa?: boolean | undefined;
  ddpi?: boolean | undefined;
  isActive?: boolean | undefined;
}

export type TokenSource = "totp" | "browser" | "token-request" | "exchange" | "manual";

/** An Upstox access token with the facts needed to decide whether it is still usable. */
export interface UpstoxToken {
  accessToken: Secret;
  extendedToken?: Secret | undefined;
  profile: UpstoxProfile;
  /** Epoch ms. From the JWT `iat` when it decodes, else the moment we received it. */
  issuedAt: number;
  /** Epoch ms. From the JWT `exp` when it decodes, else the next 03:30 IST after `issuedAt`. */
  expiresAt: number;
  source: TokenSource;
}

export interface TokenTimes {
  issuedAt: number;
  expiresAt: number;
}

/** Derives issue and expiry times: the JWT claims win, the 03:30 IST rule is the fallback. */
export function tokenTimes(accessToken: string, receivedAt: number): TokenTimes {
  const claims = decodeJwtClaims(accessToken);
  const issuedAt = typeof claims?.iat === "number" ? claims.iat * 1000 : receivedAt;
  const expiresAt = typeof claims?.exp === "number" ? claims.exp * 1000 : upstoxExpiryMs(issuedAt);
  return { issuedAt, expiresAt };
}

export function createToken(input: {
  accessToken: string;
  extendedToken?: string | null | undefined;
  profile: UpstoxProfile;
  receivedAt: number;
  source: TokenSource;
  issuedAt?: number;
  expiresAt?: number;
}): UpstoxToken {
  const times = tokenTimes(input.accessToken, input.receivedAt);
  return {
    accessToken: new Secret(input.accessToken),
    extendedToken: input.extendedToken ? new Secret(input.extendedToken) : undefined,
    profile: input.profile,
    issuedAt: input.issuedAt ?? times.issuedAt,
    expiresAt: input.expiresAt ?? times.expiresAt,
    source: input.source,
  };
}

/** True while the token is still valid `marginMs` from `now`. */
export function isTokenValid(token: Pick<UpstoxToken, "expiresAt">, now: number, marginMs = 0): boolean {
  return now + marginMs < token.expiresAt;
}
