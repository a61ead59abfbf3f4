import type { UpstoxConfig } from "../config.js";
import { isUpstoxTokenError } from "../errors.js";
import { upstoxExpiryMs } from "../expiry.js";
import { decodeJwtClaims } from "../jwt.js";
import { createToken, type UpstoxToken } from "../token.js";
import type { FlowDeps } from "./flow-deps.js";
import { getProfile } from "./profile.js";

/** The fields of an R10 delivery that verification looks at (the notifier's zod schema produces them). */
export interface NotifierDelivery {
  client_id: string;
  user_id: string;
  access_token: string;
  expires_at: number;
  issued_at: number;
}

export interface DeliveryExpectation {
  /** The app's API key: a delivery for any other app is refused. */
  clientId: string;
  /** The UCC the token must belong to; when unknown, the profile's user is what is recorded. */
  userId?: string | undefined;
}

/** Why a delivery was refused: `status` is what the webhook answers, `reason` is safe to log (no token). */
export class DeliveryRefusedError extends Error {
  override readonly name = "DeliveryRefusedError";
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`notifier delivery refused: ${reason}`);
  }
}

/**
 * Upstox's webhook carries no signature (protocol §15), so anyone who can reach the notifier can post a token.
 * A delivery is trusted only after Upstox itself accepts the token (R7 profile) for the expected user, and its
 * expiry is never later than what the token can live: the earliest of the payload's `expires_at`, the JWT's
 * `exp` and the next 03:30 IST after it was received (a token cannot have been issued after it arrived).
 */
export async function verifyDelivery(
  delivery: NotifierDelivery,
  config: UpstoxConfig,
  expected: DeliveryExpectation,
  deps: FlowDeps = {},
): Promise<UpstoxToken> {
  const now = (deps.now ?? Date.now)();
  if (delivery.client_id !== expected.clientId) {
    throw new DeliveryRefusedError(403, `client_id ${delivery.client_id} is not this app's`);
  }
  if (expected.userId !== undefined && delivery.user_id !== expected.userId) {
    throw new DeliveryRefusedError(403, `user_id ${delivery.user_id} is not the expected ${expected.userId}`);
  }
  const claims = decodeJwtClaims(delivery.access_token);
  const candidates = [delivery.expires_at, upstoxExpiryMs(now)];
  if (typeof claims?.exp === "number") candidates.push(claims.exp * 1000);
  const expiresAt = Math.min(...candidates);
  if (expiresAt <= now) throw new DeliveryRefusedError(400, "the token has already expired");

  let profile: Awaited<ReturnType<typeof getProfile>>;
  try {
    profile = await getProfile(config, delivery.access_token, deps);
  } catch (error) {
    if (isUpstoxTokenError(error) && error.code === "INVALID_TOKEN") {
      throw new DeliveryRefusedError(401, "Upstox does not accept the token (profile check refused it)");
    }
    const code = isUpstoxTokenError(error) ? error.code : "an error";
    // The token is unproven, so it is not stored; Upstox may deliver again or the user may approve again.
    throw new DeliveryRefusedError(503, `the token could not be checked with Upstox (${code})`);
  }
  const userId = expected.userId ?? profile.userId;
  if (profile.userId !== userId) {
    throw new DeliveryRefusedError(403, `the token belongs to ${profile.userId}, not ${userId}`);
  }
  if (profile.userId !== delivery.user_id) {
    throw new DeliveryRefusedError(403, `the token belongs to ${profile.userId}, not to ${delivery.user_id}`);
  }
  const iat = typeof claims?.iat === "number" ? claims.iat * 1000 : undefined;
  return createToken({
    accessToken: delivery.access_token,
    profile,
    receivedAt: now,
    issuedAt: Math.min(now, delivery.issued_at, iat ?? now),
    expiresAt,
    source: "token-request",
  });
}
