import { createGuardrails } from "@otplib/core";
import { ScureBase32Plugin } from "@otplib/plugin-base32-scure";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import { generateSync } from "@otplib/totp";
import { ConfigError } from "./errors.js";
import { Secret } from "./secret.js";

/** Upstox TOTP is plain RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

const FIELD = "UPSTOX_TOTP_SECRET";
// otplib's own packages, without the `otplib` umbrella: it brings a pure-JS HMAC (@noble/hashes) that costs a
// long-running process memory, where node:crypto (in Node and Bun) does the same HMAC-SHA-1 natively.
const base32 = new ScureBase32Plugin();
const crypto = new NodeCryptoPlugin();
// Authenticator secrets are often 80 bits (16 base32 characters), below otplib's RFC-recommended 128-bit floor.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

export interface TotpCode {
  code: string;
  /** Whole seconds left before the code's 30 s window closes (1..30). */
  secondsLeft: number;
}

/** The TOTP code at `now` (epoch ms) for a normalised base32 secret (see `parseTotpSecret`). */
export function totpNow(secret: Secret, now: number): TotpCode {
  const epoch = Math.floor(now / 1000);
  const code = generateSync({
    secret: secret.reveal(),
    epoch,
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    algorithm: "sha1",
    crypto,
    base32,
    guardrails,
  });
  return { code, secondsLeft: TOTP_PERIOD_SECONDS - (epoch % TOTP_PERIOD_SECONDS) };
}

/** Milliseconds from `now` until the next 30 s window starts. */
export function msUntilNextTotpWindow(now: number): number {
  const periodMs = TOTP_PERIOD_SECONDS * 1000;
  return periodMs - (((now % periodMs) + periodMs) % periodMs);
}

/**
 * Accepts a base32 secret in any case, with spaces or dashes (as apps display it), or an `otpauth://totp/…`
 * URI (as a QR code holds it), and returns the bare upper-case base32 secret. Throws ConfigError otherwise.
 */
export function parseTotpSecret(input: string): Secret {
  const trimmed = input.trim();
  if (trimmed === "") throw totpError("UPSTOX_TOTP_SECRET is empty");
  const raw = trimmed.toLowerCase().startsWith("otpauth://") ? secretFromUri(trimmed) : trimmed;
  const normalised = raw
    .replace(/[\s-]+/g, "")
    .replace(/=+$/, "")
    .toUpperCase();
  if (!/^[A-Z2-7]+$/.test(normalised)) {
    throw totpError(
      "UPSTOX_TOTP_SECRET is not base32 (letters A-Z and digits 2-7). Copy the key shown under " +
        "'Can't scan the QR code?' when enabling TOTP in Upstox, or paste the full otpauth:// URI.",
    );
  }
  let bytes: number;
  try {
    bytes = base32.decode(normalised).length;
  } catch {
    throw totpError("UPSTOX_TOTP_SECRET is not valid base32; check that it was copied completely.");
  }
  if (bytes < 10) {
    throw totpError(
      `UPSTOX_TOTP_SECRET decodes to only ${bytes} bytes; TOTP keys are at least 10. Check that it was copied completely.`,
    );
  }
  return new Secret(normalised);
}

function secretFromUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw totpError("UPSTOX_TOTP_SECRET looks like an otpauth:// URI but cannot be parsed.");
  }
  if (url.host.toLowerCase() !== "totp") {
    throw totpError(`UPSTOX_TOTP_SECRET is an otpauth://${url.host} URI; Upstox needs otpauth://totp.`);
  }
  const algorithm = url.searchParams.get("algorithm");
  const digits = url.searchParams.get("digits");
  const period = url.searchParams.get("period");
  if (
    (algorithm !== null && algorithm.toUpperCase() !== "SHA1") ||
    (digits !== null && digits !== String(TOTP_DIGITS)) ||
    (period !== null && period !== String(TOTP_PERIOD_SECONDS))
  ) {
    throw totpError(
      "UPSTOX_TOTP_SECRET URI asks for something other than SHA1, 6 digits, 30 s, which Upstox uses.",
    );
  }
  const secret = url.searchParams.get("secret");
  if (!secret) throw totpError("UPSTOX_TOTP_SECRET URI has no secret= parameter.");
  return secret;
}

function totpError(message: string): ConfigError {
  return new ConfigError(message, {
    field: FIELD,
    hint: "Set UPSTOX_TOTP_SECRET to the base32 key (or otpauth:// URI) from Upstox's 'enable TOTP' screen.",
  });
}
