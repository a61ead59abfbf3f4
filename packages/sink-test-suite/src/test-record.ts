import { randomBytes } from "node:crypto";
import { Secret, type TokenRecord, upstoxExpiryMs } from "@upstox-token/core";

export interface TestRecordOverrides {
  account: string;
  generation: number;
  accessToken: string;
  issuedAt: number;
  expiresAt: number;
  userId: string;
}

const HOUR_MS = 3_600_000;

/**
 * Issued now (with milliseconds, so lossy date storage shows) and valid for at least an hour, so sinks that let
 * tokens expire (Redis PXAT) keep them for the length of a test run whatever the time of day.
 */
function defaultTimes(now = Date.now()): { issuedAt: number; expiresAt: number } {
  const cutoff = upstoxExpiryMs(now);
  return { issuedAt: now, expiresAt: cutoff - now < HOUR_MS ? upstoxExpiryMs(cutoff) : cutoff };
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** A token shaped like Upstox's: a three-part HS256 JWT with Upstox's claims and a random signature. */
export function makeTestJwt(claims: {
  userId: string;
  issuedAt: number;
  expiresAt: number;
  jti?: string;
}): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({
      sub: claims.userId,
      jti: claims.jti ?? randomBytes(12).toString("hex"),
      isMultiClient: false,
      isPlusPlan: true,
      iat: Math.floor(claims.issuedAt / 1000),
      iss: "udapi-gateway-service",
      exp: Math.floor(claims.expiresAt / 1000),
    }),
  );
  return `${header}.${payload}.${base64url(randomBytes(32))}`;
}

/**
 * A realistic record: a JWT-looking access token and extended token, a full profile (with non-ASCII text)
 * and times with milliseconds. Every call makes new tokens, so two records can be told apart.
 */
export function makeTestRecord(overrides: Partial<TestRecordOverrides> = {}): TokenRecord {
  const userId = overrides.userId ?? "7AB2CD";
  const defaults = defaultTimes();
  const issuedAt = overrides.issuedAt ?? defaults.issuedAt;
  // Unless told otherwise a record is still valid, even when given an issue time in the past: sinks with a TTL
  // would otherwise drop it on write.
  const expiresAt = overrides.expiresAt ?? Math.max(upstoxExpiryMs(issuedAt), defaults.expiresAt);
  const accessToken = overrides.accessToken ?? makeTestJwt({ userId, issuedAt, expiresAt });
  const extendedToken = makeTestJwt({ userId, issuedAt, expiresAt: expiresAt + 365 * 86_400_000 });
  return {
    account: overrides.account ?? "main",
    generation: overrides.generation ?? 1,
    accessToken: new Secret(accessToken),
    extendedToken: new Secret(extendedToken),
    profile: {
      userId,
      userName: "Aarav Šarmā (आरव)",
      email: "aarav.test@example.com",
      broker: "UPSTOX",
      userType: "individual",
      exchanges: ["NSE", "NFO", "BSE", "BFO", "MCX"],
      products: ["D", "I", "CO", "MTF"],
      orderTypes: ["MARKET", "LIMIT", "SL", "SL-M"],
      poa: false,
      ddpi: true,
      isActive: true,
    },
    issuedAt,
    expiresAt,
    source: "totp",
  };
}

/**
 * A token whose every part is a unique marker, for proving that errors never carry it. Still JWT-shaped, so a
 * sink that checks the format accepts it.
 */
export function makeMarkerToken(): { token: string; parts: string[] } {
  const id = randomBytes(9).toString("hex");
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: "LEAK", jti: `leak-marker-payload-${id}` }));
  const signature = `LeakMarkerSignature_${id}`;
  return { token: `${header}.${payload}.${signature}`, parts: [payload, signature] };
}
