export interface UpstoxJwtClaims {
  sub?: string;
  jti?: string;
  iat?: number;
  exp?: number;
  iss?: string;
  isMultiClient?: boolean;
  isPlusPlan?: boolean;
}

/**
 * Reads the claims of an Upstox access token without verifying it (we hold no key; Upstox verifies).
 * Returns null for anything that is not a three-part JWT with a JSON payload.
 */
export function decodeJwtClaims(token: string): UpstoxJwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const json = Buffer.from(parts[1], "base64url").toString("utf8");
    const claims: unknown = JSON.parse(json);
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return null;
    return claims as UpstoxJwtClaims;
  } catch {
    return null;
  }
}
