import { createGuardrails } from "@otplib/core";
import { ScureBase32Plugin } from "@otplib/plugin-base32-scure";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import { generateSync } from "@otplib/totp";

const STEP_SECONDS = 30;
// Authenticator apps (and the demo secret) use 80-bit secrets, below otplib's RFC-recommended floor.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1 });
// otplib's own packages with node:crypto's HMAC, as in core (the otplib umbrella adds a pure-JS one).
const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

/** RFC 6238 (SHA-1, 6 digits, 30 s): is `code` valid at `nowMs`, within ±`window` steps? */
export function isTotpValid(secret: string, code: string, nowMs: number, window: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const nowSeconds = Math.floor(nowMs / 1000);
  for (let step = -window; step <= window; step++) {
    const epoch = nowSeconds + step * STEP_SECONDS;
    if (epoch < 0) continue;
    const expected = generateSync({
      secret: secret.replace(/\s+/g, "").toUpperCase(),
      epoch,
      period: STEP_SECONDS,
      digits: 6,
      algorithm: "sha1",
      crypto,
      base32,
      guardrails,
    });
    if (expected === code) return true;
  }
  return false;
}
