import { CONFIG_KEY_VARIABLES } from "@upstox-token/core";
import type { CredentialField, InitFlow } from "./init-answers.js";

/** The command-line flag for each credential (the variable is the other way to give it). */
export const CREDENTIAL_FLAGS: Record<CredentialField, string> = {
  mobile: "--mobile",
  pin: "--pin",
  totpSecret: "--totp-secret",
  clientId: "--client-id",
  clientSecret: "--client-secret",
  redirectUri: "--redirect-uri",
};

/** `init`'s own options, as commander hands them over. */
export interface InitOptions {
  yes?: boolean;
  flow?: InitFlow;
  mobile?: string;
  pin?: string;
  totpSecret?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUri?: string;
  sink?: string[];
  dir?: string;
  account: string;
  /** undefined unless --rehearse or --no-rehearse was given. */
  rehearse?: boolean;
  force?: boolean;
}

export function flagValues(options: InitOptions): Partial<Record<CredentialField, string>> {
  const values: Partial<Record<CredentialField, string>> = {
    mobile: options.mobile,
    pin: options.pin,
    totpSecret: options.totpSecret,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
  };
  for (const key of Object.keys(values) as CredentialField[])
    if (values[key] === undefined) delete values[key];
  return values;
}

/** Values from the environment (or an existing .env), by credential field. Empty ones count as unset. */
export function environmentValues(
  env: Record<string, string | undefined>,
): Partial<Record<CredentialField, string>> {
  const values: Partial<Record<CredentialField, string>> = {};
  for (const field of Object.keys(CREDENTIAL_FLAGS) as CredentialField[]) {
    const value = env[CONFIG_KEY_VARIABLES[field]];
    if (value !== undefined && value.trim() !== "") values[field] = value;
  }
  return values;
}

/** How a missing credential is named in an error: the flag and the variable. */
export function describeInput(field: CredentialField): string {
  return `${CREDENTIAL_FLAGS[field]} (or ${CONFIG_KEY_VARIABLES[field]})`;
}
