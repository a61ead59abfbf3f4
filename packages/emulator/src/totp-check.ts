import { createGuardrails, generateSync } from "otplib";

const STEP_SECONDS = 30;
// Authenticator apps (and the demo secret) use 80-bit secrets, below otplib's RFC-recommended floor.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1 });

/** RFC 6238 (SHA-1, 6 digits, 30 s): is `code` valid at `nowMs`, within ±`window` steps? */
export function isTotpValid(secret: string, code: string, nowMs: number, window: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const nowSeconds = Math.floor(nowMs / 1000);
  for (let step = -window; step <= window; step++) {
    const epoch = nowSeconds + step * STEP_SECONDS;
    if (epoch < 0) continue;
    if (generateSync({ secret: secret.replace(/\s+/g, "").toUpperCase(), epoch, guardrails }) === code)
      return true;
  }
  return false;
}
