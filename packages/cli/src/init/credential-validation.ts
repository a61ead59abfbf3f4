import { CONFIG_KEY_VARIABLES, ConfigError, type ConfigProblem, loadConfig } from "@upstox-token/core";
import {
  type CredentialField,
  credentialFieldsFor,
  type InitCredentials,
  type InitFlow,
} from "./init-answers.js";

/**
 * The rules live in core's `loadConfig` (the same ones `generate-token` and the daemon apply); `init` asks it
 * rather than repeating them, and maps its problems to prompts and flags.
 */
export function credentialProblem(field: CredentialField, value: string): string | undefined {
  if (value.trim() === "") return `${CONFIG_KEY_VARIABLES[field]} is required`;
  try {
    loadConfig({ env: {}, envFile: false, overrides: { [field]: value } });
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => p.message).join("; ");
  }
}

export type RawCredentials = Partial<Record<CredentialField, string>>;

/**
 * Validates the credentials a flow needs, all at once, and returns them normalised (mobile without spaces,
 * the TOTP secret as bare upper-case base32 even when an otpauth:// URI was given). Missing ones are left to
 * the caller, which knows whether they came from a prompt or a flag.
 */
export function checkCredentials(
  flow: InitFlow,
  raw: RawCredentials,
): { credentials: InitCredentials; problems: [] } | { credentials?: undefined; problems: ConfigProblem[] } {
  const overrides: RawCredentials = {};
  for (const field of credentialFieldsFor(flow)) {
    const value = raw[field];
    if (value !== undefined && value.trim() !== "") overrides[field] = value;
  }
  try {
    const config = loadConfig({ env: {}, envFile: false, overrides });
    const missing = credentialFieldsFor(flow).filter((field) => overrides[field] === undefined);
    if (missing.length > 0 || !config.clientId || !config.clientSecret || !config.redirectUri) {
      return {
        problems: missing.map((field) => ({
          field: CONFIG_KEY_VARIABLES[field],
          message: `${CONFIG_KEY_VARIABLES[field]} is required`,
        })),
      };
    }
    return {
      credentials: {
        mobile: config.mobile,
        pin: config.pin,
        totpSecret: config.totpSecret,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        redirectUri: config.redirectUri,
      },
      problems: [],
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems };
  }
}
