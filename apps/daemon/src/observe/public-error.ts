import { type SecretRedactor, scrubText } from "@upstox-token/core";
import { daemonRedactor } from "./secret-scrub.js";

/** An error as shown outside the process (status body, webhooks): Upstox's field style, no stack, no cause. */
export interface PublicError {
  code: string;
  message: string;
  hint: string | null;
  upstox_code: string | null;
}

/**
 * Masks the configured secrets (PIN and its base64, TOTP secret, client secret) and anything shaped like an
 * access token: upstream error text is passed on, and it may echo what was sent.
 */
export function maskTokens(text: string, redactor: SecretRedactor = daemonRedactor): string {
  return scrubText(text, redactor);
}

export function publicError(
  error: {
    code: string;
    message: string;
    hint?: string | undefined;
    upstoxCode?: string | undefined;
  },
  redactor: SecretRedactor = daemonRedactor,
): PublicError {
  return {
    code: error.code,
    message: maskTokens(error.message, redactor),
    hint: error.hint === undefined ? null : maskTokens(error.hint, redactor),
    upstox_code: error.upstoxCode ?? null,
  };
}
