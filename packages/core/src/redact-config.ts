import type { UpstoxConfig } from "./config.js";
import type { Secret } from "./secret.js";
import { SecretRedactor } from "./secret-redactor.js";

type SecretFields = Pick<UpstoxConfig, "pin" | "totpSecret" | "clientSecret"> & {
  password?: Secret | string | undefined;
};

/**
 * The one redactor for a configuration: every secret value it holds (PIN, TOTP secret, client secret, and
 * their base64 / URL-encoded forms) plus any extra values given (tokens read from sinks). Shells pass every
 * upstream text (an Upstox error message, a hook's output, a Redis error) through it before showing it.
 * Several configs (the daemon's accounts) give one redactor for all of them.
 */
export function redactorFor(
  configs: SecretFields | readonly SecretFields[],
  extra: Iterable<Secret | string | undefined | null> = [],
): SecretRedactor {
  const redactor = new SecretRedactor(extra);
  for (const config of Array.isArray(configs) ? configs : [configs as SecretFields]) {
    for (const value of configSecrets(config)) redactor.add(value);
  }
  return redactor;
}

/** The secret values a configuration holds: the one list every redactor is fed from. */
export function configSecrets(config: SecretFields): (Secret | string | undefined)[] {
  return [config.pin, config.totpSecret, config.clientSecret, config.password];
}

/** A JWT (Upstox access tokens are JWTs) that slipped into a text is masked too, whoever's token it is. */
const JWT_LIKE = /eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g;

/** Redacts configured secrets, then masks anything shaped like an access token. */
export function scrubText(text: string, redactor: SecretRedactor | undefined): string {
  return (redactor ? redactor.redact(text) : text).replace(JWT_LIKE, "***");
}
