import { createHmac, timingSafeEqual } from "node:crypto";

// Key order matches the real header, so tokens start with eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.
const HEADER = Buffer.from(JSON.stringify({ typ: "JWT", alg: "HS256" })).toString("base64url");

export interface UpstoxJwtClaims {
  sub: string;
  jti: string;
  isMultiClient: boolean;
  isPlusPlan: boolean;
  /** Seconds since epoch. */
  iat: number;
  iss: string;
  /** Seconds since epoch. */
  exp: number;
}

export function signJwt(claims: UpstoxJwtClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", key).update(`${HEADER}.${payload}`).digest("base64url");
  return `${HEADER}.${payload}.${signature}`;
}

/** The claims when the signature is ours, else null. Expiry is the caller's business. */
export function verifyJwt(token: string, key: Buffer): UpstoxJwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac("sha256", key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null) return null;
    const c = claims as Record<string, unknown>;
    if (typeof c.jti !== "string" || typeof c.sub !== "string" || typeof c.exp !== "number") return null;
    return claims as UpstoxJwtClaims;
  } catch {
    return null;
  }
}
