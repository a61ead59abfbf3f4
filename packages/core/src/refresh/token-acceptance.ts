import { UpstoxTokenError } from "../errors.js";
import { decodeJwtClaims } from "../jwt.js";
import type { Logger } from "../logger.js";
import { type TokenRecord, toRecord } from "../record.js";
import type { UpstoxToken } from "../token.js";

export interface TokenAcceptanceOptions {
  account: string;
  now: number;
  /** The profile call: throws INVALID_TOKEN when Upstox refuses the token. */
  verify?: (record: TokenRecord) => Promise<void>;
  logger: Logger;
}

/**
 * A token is stored only when it is one: a JWT whose `exp` is in the future, which Upstox's profile endpoint
 * accepts. Throws TOKEN_MALFORMED or TOKEN_REJECTED (not retryable: the login was spent and another one would
 * send the PIN again). When the profile endpoint cannot be reached (a network fault, not a refusal), the
 * well-formed token is accepted with a warning, as a stored token is served when it cannot be verified.
 */
export async function acceptNewToken(token: UpstoxToken, options: TokenAcceptanceOptions): Promise<void> {
  const claims = decodeJwtClaims(token.accessToken.reveal());
  if (!claims || typeof claims.exp !== "number" || claims.exp * 1000 <= options.now) {
    throw new UpstoxTokenError(
      "TOKEN_MALFORMED",
      claims
        ? "Upstox handed over an access token whose expiry (JWT exp) is missing or past; it was not stored"
        : "Upstox handed over an access token that is not a JWT; it was not stored",
      {
        pin: "accepted",
        hint: "Upstox answered the token exchange with something that is not a usable token. The next cycle logs in again; if it repeats, check the endpoint profile (UPSTOX_ENDPOINT_PROFILE) and report it.",
      },
    );
  }
  if (!options.verify) return;
  try {
    await options.verify(toRecord(options.account, token, 0));
  } catch (caught) {
    if (caught instanceof UpstoxTokenError && caught.code === "INVALID_TOKEN") {
      throw new UpstoxTokenError(
        "TOKEN_REJECTED",
        "Upstox's profile endpoint refused the access token it had just handed over; it was not stored",
        {
          cause: caught,
          pin: "accepted",
          ...(caught.upstoxCode ? { upstoxCode: caught.upstoxCode } : {}),
          hint: "The token exchange and the API disagree (another app's token, or a revoked one). The next cycle logs in again; check the client id and the account (credentials.ucc).",
        },
      );
    }
    options.logger.warn(
      {
        account: options.account,
        code: caught instanceof UpstoxTokenError ? caught.code : "NETWORK",
        err: caught instanceof Error ? caught.message : String(caught),
      },
      "could not ask Upstox about the new token (profile call); storing it, it is a well-formed JWT",
    );
  }
}
