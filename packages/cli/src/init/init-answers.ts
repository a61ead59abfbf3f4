import type { Secret } from "@upstox-token/core";

/** The login flows `init` sets up; the daemon's `accounts[].flow`. */
export const INIT_FLOWS = ["totp", "token-request", "browser"] as const;
export type InitFlow = (typeof INIT_FLOWS)[number];

/** The built-in sinks `init` can configure. Custom sink modules are added to the config by hand afterwards. */
export const INIT_SINK_KINDS = ["env", "sqlite", "redis"] as const;
export type InitSinkKind = (typeof INIT_SINK_KINDS)[number];

export interface InitSink {
  kind: InitSinkKind;
  /** A file path relative to the setup folder (env, sqlite) or a redis:// URL. */
  target: string;
}

/** Validated, normalised credentials: the mobile without spaces, the TOTP secret as bare base32. */
export interface InitCredentials {
  mobile?: string | undefined;
  pin?: Secret | undefined;
  totpSecret?: Secret | undefined;
  clientId: string;
  clientSecret: Secret;
  redirectUri: string;
}

/** Everything `init` needs to write the files, whether it came from prompts or from flags. */
export interface InitAnswers {
  flow: InitFlow;
  /** The account name sinks store the token under; `main` (DEFAULT_ACCOUNT), like every other CLI command. */
  account: string;
  /** Absolute path of the folder that gets `.env` and `upstox-token.config.json`. */
  dir: string;
  credentials: InitCredentials;
  sinks: InitSink[];
}

/** The credential fields, in the order they are asked for, with the core config key each one validates as. */
export type CredentialField = "mobile" | "pin" | "totpSecret" | "clientId" | "clientSecret" | "redirectUri";

/** Which credentials each flow needs (the daemon's and core's rules: only the TOTP flow logs in headlessly). */
export function credentialFieldsFor(flow: InitFlow): CredentialField[] {
  const app: CredentialField[] = ["clientId", "clientSecret", "redirectUri"];
  return flow === "totp" ? ["mobile", "pin", "totpSecret", ...app] : app;
}

export const SECRET_FIELDS: ReadonlySet<CredentialField> = new Set(["pin", "totpSecret", "clientSecret"]);

export const DEFAULT_SINK_TARGETS: Record<InitSinkKind, string> = {
  env: ".env",
  sqlite: "upstox-tokens.db",
  redis: "redis://127.0.0.1:6379",
};

export const ENV_FILE_NAME = ".env";
export const CONFIG_FILE_NAME = "upstox-token.config.json";
