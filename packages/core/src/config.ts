import { resolve as resolvePath } from "node:path";
import { z } from "zod";
import { CONFIG_VARIABLES, type EnvSource, readEnvironment } from "./config-env.js";
import {
  type EndpointProfile,
  type EndpointProfileOverride,
  endpointProfileOverrideSchema,
} from "./endpoint-profile.js";
import { loadEndpointProfile } from "./endpoint-profile-file.js";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { isSecret, Secret } from "./secret.js";
import { parseTotpSecret } from "./totp.js";
import { describeValueOrigin } from "./value-origin.js";

/** What `loadConfig` accepts as overrides (camelCase; strings as they come from the environment are fine). */
export interface UpstoxConfigInput {
  mobile: string;
  pin: string | Secret;
  totpSecret: string | Secret;
  clientId: string;
  clientSecret: string | Secret;
  redirectUri: string;
  debug: boolean | string;
  sleepMs: number | string;
  timeoutMs: number | string;
  /** How often a rejected TOTP is tried again (each with the next 30 s code, same OTP session); 0 to 3. */
  totpRetries: number | string;
  apiBase: string;
  serviceBase: string;
  /** Not needed by the flows (the dialog's Location names the login host); kept for tools that want it. */
  loginBase: string;
  /** A built-in profile name or a path to a JSON profile file. */
  endpointProfile: string;
  /** Which account (UCC) to log in to when several share the mobile number. */
  ucc: string;
  /** Shortcut for `endpoints.appVersion`. */
  appVersion: string;
  /** Ask the token exchange for a fresh one-year extended token (`refresh_extended_token=true`); default off. */
  refreshExtendedToken: boolean | string;
  /** Piecewise override of the endpoint profile. */
  endpoints: EndpointProfileOverride;
  /** Accepted and ignored: Upstox login has no password step. */
  password: string | Secret;
}

/** Validated configuration. Credentials needed only by some flows are optional; each flow checks its own. */
export interface UpstoxConfig {
  mobile?: string | undefined;
  pin?: Secret | undefined;
  /** Normalised upper-case base32. */
  totpSecret?: Secret | undefined;
  clientId?: string | undefined;
  clientSecret?: Secret | undefined;
  redirectUri?: string | undefined;
  debug: boolean;
  sleepMs: number;
  timeoutMs: number;
  totpRetries: number;
  apiBase: string;
  serviceBase: string;
  loginBase?: string | undefined;
  endpointProfile: EndpointProfile;
  /** The account (UCC) to choose when the mobile number has several. */
  ucc?: string | undefined;
  /**
   * Send `refresh_extended_token=true` with the token exchange, so each login also brings a fresh one-year
   * read-only extended token (protocol notes §15). Off by default: the live extended token stays as it is.
   */
  refreshExtendedToken: boolean;
}

export interface LoadConfigOptions {
  /** Default process.env. */
  env?: EnvSource;
  /** A .env file read beneath `env` (the environment wins). Default `./.env` when present; false for none. */
  envFile?: string | false;
  /** Applied over the environment. */
  overrides?: Partial<UpstoxConfigInput>;
  logger?: Logger;
}

/** Which variable each config key comes from; errors name the variable so the user knows what to fix. */
export const CONFIG_KEY_VARIABLES = {
  mobile: "UPSTOX_USERNAME",
  pin: "UPSTOX_PIN_CODE",
  totpSecret: "UPSTOX_TOTP_SECRET",
  clientId: "UPSTOX_CLIENT_ID",
  clientSecret: "UPSTOX_CLIENT_SECRET",
  redirectUri: "UPSTOX_REDIRECT_URI",
  debug: "UPSTOX_DEBUG",
  sleepMs: "UPSTOX_SLEEP_TIME",
  timeoutMs: "UPSTOX_TIMEOUT_MS",
  totpRetries: "UPSTOX_TOTP_RETRIES",
  apiBase: "UPSTOX_API_BASE",
  serviceBase: "UPSTOX_SERVICE_BASE",
  loginBase: "UPSTOX_LOGIN_BASE",
  endpointProfile: "UPSTOX_ENDPOINT_PROFILE",
  ucc: "UPSTOX_UCC",
  appVersion: "UPSTOX_APP_VERSION",
  refreshExtendedToken: "UPSTOX_REFRESH_EXTENDED_TOKEN",
  password: "UPSTOX_PASSWORD",
} as const satisfies Record<Exclude<keyof UpstoxConfigInput, "endpoints">, string>;

type EnvKey = keyof typeof CONFIG_KEY_VARIABLES;

const text = (value: string | Secret): string => (isSecret(value) ? value.reveal() : value).trim();
const secretText = z.union([z.string(), z.instanceof(Secret)]).transform(text);

const BOOLEAN_FORM = "must be true or false (also 1/0, yes/no, on/off)";
// A union that fails says only "Invalid input"; its own message names the form expected.
const booleanText = z.union(
  [
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""], BOOLEAN_FORM))
      .transform((v) => ["true", "1", "yes", "on"].includes(v)),
  ],
  BOOLEAN_FORM,
);

const nonNegativeInt = (what: string) =>
  z
    .union(
      [z.number(), z.string().trim().regex(/^\d+$/, `must be ${what}`).transform(Number)],
      `must be ${what}`,
    )
    .pipe(z.number().int(`must be ${what}`).nonnegative(`must be ${what}`));

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^/\s]+/i.test(v) && URL.canParse(v), `must be ${what}`);

const configSchema = z.object({
  mobile: z
    .string()
    // "+91 98765 43210" is the same number: the country code and the spaces are dropped.
    .transform((v) => v.replace(/\s+/g, "").replace(/^(\+91|0091)(?=\d{10}$)/, ""))
    .refine((v) => /^\d{10}$/.test(v), "UPSTOX_USERNAME must be a 10-digit mobile number without +91")
    // Indian mobile numbers start with 6-9; Upstox's own login page checks the same (/^[6-9]\d{9}$/).
    .refine(
      (v) => !/^\d{10}$/.test(v) || /^[6-9]/.test(v),
      "UPSTOX_USERNAME must be an Indian mobile number starting with 6, 7, 8 or 9 (10 digits without +91)",
    )
    .optional(),
  pin: secretText
    .refine((v) => /^\d{6}$/.test(v), "UPSTOX_PIN_CODE must be your 6-digit Upstox PIN")
    .transform((v) => new Secret(v))
    .optional(),
  totpSecret: z.union([z.string(), z.instanceof(Secret)]).optional(),
  clientId: z.string().trim().min(1).optional(),
  clientSecret: secretText
    .refine((v) => v.length > 0, "UPSTOX_CLIENT_SECRET is empty")
    .transform((v) => new Secret(v))
    .optional(),
  redirectUri: httpUrl(
    "an absolute http(s) URL, exactly as registered for the app, e.g. http://127.0.0.1:8976/callback",
  ).optional(),
  debug: booleanText.default(false),
  sleepMs: nonNegativeInt("a whole number of milliseconds (0 or more), e.g. 250").default(0),
  timeoutMs: nonNegativeInt("a whole number of milliseconds, at least 100, e.g. 15000")
    .refine((v) => v >= 100, "must be at least 100 ms")
    .default(15_000),
  totpRetries: nonNegativeInt("a whole number from 0 to 3")
    .refine((v) => v <= 3, "must be a whole number from 0 to 3")
    .default(1),
  apiBase: httpUrl("an http(s) URL such as https://api.upstox.com").default("https://api.upstox.com"),
  serviceBase: httpUrl("an http(s) URL such as https://service.upstox.com").default(
    "https://service.upstox.com",
  ),
  loginBase: httpUrl("an http(s) URL such as https://login.upstox.com").optional(),
  endpointProfile: z.string().trim().default("default"),
  ucc: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,20}$/, "must be the account's client id (UCC), e.g. AB1234")
    .transform((v) => v.toUpperCase())
    .optional(),
  appVersion: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)*$/, "must look like 4.0.0")
    .optional(),
  endpoints: endpointProfileOverrideSchema.optional(),
  refreshExtendedToken: booleanText.default(false),
  password: z.unknown().optional(),
});

/**
 * Builds the configuration from the environment (plus an optional .env file) and explicit overrides, and
 * validates it. Throws one ConfigError that lists every problem, each naming its variable and the fix.
 */
export function loadConfig(options: LoadConfigOptions = {}): UpstoxConfig {
  const logger = options.logger ?? silentLogger;
  const baseEnv = options.env ?? process.env;
  const env = readEnvironment(baseEnv, options.envFile);
  /** Where a variable's bad value came from: an override, the environment or the .env file. */
  const originOf = (variable: string | undefined): string => {
    if (variable === undefined) return "";
    const key = (Object.entries(CONFIG_KEY_VARIABLES) as [EnvKey, string][]).find(
      ([, v]) => v === variable,
    )?.[0];
    if (key !== undefined && options.overrides?.[key] !== undefined) return "";
    const value = env[variable];
    if (value === undefined) return "";
    const fromEnv = baseEnv[variable] !== undefined && baseEnv[variable] !== "";
    const where = fromEnv
      ? "the environment"
      : options.envFile === false
        ? "the environment"
        : `the env file ${resolvePath(options.envFile ?? ".env")}`;
    return describeValueOrigin(undefined, where, value);
  };
  const raw: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(CONFIG_KEY_VARIABLES) as [EnvKey, string][]) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== "") raw[key] = value;
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) raw[key] = value;
  }

  const problems: ConfigProblem[] = [];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [head, ...rest] = issue.path.map(String);
      const field =
        head === "endpoints"
          ? ["endpoints", ...rest].join(".")
          : (CONFIG_KEY_VARIABLES[head as EnvKey] ?? String(head));
      const base = issue.message.startsWith(field) ? issue.message : `${field} ${issue.message}`;
      const variable = head === "endpoints" ? undefined : CONFIG_KEY_VARIABLES[head as EnvKey];
      problems.push({ field, message: base + originOf(variable) });
    }
  }

  let totpSecret: Secret | undefined;
  if (raw.totpSecret !== undefined) {
    try {
      const value = raw.totpSecret;
      totpSecret = parseTotpSecret(isSecret(value) ? value.reveal() : String(value));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push({ field: "UPSTOX_TOTP_SECRET", message: error.message });
    }
  }

  const override: EndpointProfileOverride = { ...parsed.data?.endpoints };
  if (parsed.data?.appVersion !== undefined) override.appVersion = parsed.data.appVersion;
  let endpointProfile: EndpointProfile | undefined;
  try {
    endpointProfile = loadEndpointProfile(String(raw.endpointProfile ?? "default"), override);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Alone, its own error is thrown: it names the profile file and the field in it.
    if (problems.length === 0 && parsed.success) throw error;
    problems.push({ field: CONFIG_KEY_VARIABLES.endpointProfile, message: error.message });
  }

  if (problems.length > 0 || !parsed.success || !endpointProfile) throw configProblemsError(problems);
  const c = parsed.data;

  if (c.password !== undefined) {
    logger.warn(
      { variable: "UPSTOX_PASSWORD" },
      "UPSTOX_PASSWORD is ignored: Upstox login has no password step",
    );
  }

  return {
    mobile: c.mobile,
    pin: c.pin,
    totpSecret,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    redirectUri: c.redirectUri,
    debug: c.debug,
    sleepMs: c.sleepMs,
    timeoutMs: c.timeoutMs,
    totpRetries: c.totpRetries,
    apiBase: c.apiBase.replace(/\/+$/, ""),
    serviceBase: c.serviceBase.replace(/\/+$/, ""),
    loginBase: c.loginBase?.replace(/\/+$/, ""),
    endpointProfile,
    ucc: c.ucc,
    refreshExtendedToken: c.refreshExtendedToken,
  };
}

export type CredentialKey = "mobile" | "pin" | "totpSecret" | "clientId" | "clientSecret" | "redirectUri";

/** Config narrowed to the credentials a flow needs. */
export type ConfigWith<K extends CredentialKey> = UpstoxConfig & { [P in K]-?: NonNullable<UpstoxConfig[P]> };

/** Checks that the credentials a flow needs are present; throws one ConfigError naming every missing variable. */
export function requireCredentials<K extends CredentialKey>(
  config: UpstoxConfig,
  keys: readonly K[],
  flow: string,
): ConfigWith<K> {
  const missing = keys.filter((key) => config[key] === undefined);
  if (missing.length === 0) return config as ConfigWith<K>;
  throw configProblemsError(
    missing.map((key) => ({
      field: CONFIG_KEY_VARIABLES[key],
      message: `${CONFIG_KEY_VARIABLES[key]} is required for ${flow}`,
    })),
  );
}

function configProblemsError(problems: ConfigProblem[]): ConfigError {
  const lines = problems.map((p) => `  - ${p.message}`).join("\n");
  const message =
    problems.length === 1
      ? (problems[0]?.message ?? "Invalid configuration")
      : `Invalid configuration:\n${lines}`;
  return new ConfigError(message, {
    problems,
    hint: "Set the variables named above in the environment or in .env (see `upstox-token check-env`).",
  });
}

export interface ConfigEntry {
  variable: string;
  description: string;
  /** What to show: secrets as *** (or "(not set)"), the mobile number partly masked. */
  display: string;
  set: boolean;
  secret: boolean;
}

/** A printable view of the configuration for `check-env`: no secret value appears in it. */
export function describeConfig(config: UpstoxConfig): ConfigEntry[] {
  const shown: Record<string, string | Secret | undefined> = {
    UPSTOX_USERNAME: config.mobile
      ? `${config.mobile.slice(0, 2)}******${config.mobile.slice(-2)}`
      : undefined,
    UPSTOX_PIN_CODE: config.pin,
    UPSTOX_TOTP_SECRET: config.totpSecret,
    UPSTOX_CLIENT_ID: config.clientId,
    UPSTOX_CLIENT_SECRET: config.clientSecret,
    UPSTOX_REDIRECT_URI: config.redirectUri,
    UPSTOX_DEBUG: String(config.debug),
    UPSTOX_SLEEP_TIME: String(config.sleepMs),
    UPSTOX_TIMEOUT_MS: String(config.timeoutMs),
    UPSTOX_TOTP_RETRIES: String(config.totpRetries),
    UPSTOX_API_BASE: config.apiBase,
    UPSTOX_SERVICE_BASE: config.serviceBase,
    UPSTOX_LOGIN_BASE: config.loginBase,
    UPSTOX_ENDPOINT_PROFILE: config.endpointProfile.name,
    UPSTOX_APP_VERSION: config.endpointProfile.appVersion,
    UPSTOX_UCC: config.ucc,
    UPSTOX_REFRESH_EXTENDED_TOKEN: String(config.refreshExtendedToken),
  };
  return CONFIG_VARIABLES.filter((v) => v.name in shown).map((v) => {
    const value = shown[v.name];
    return {
      variable: v.name,
      description: v.description,
      display: value === undefined ? "(not set)" : isSecret(value) ? "***" : value,
      set: value !== undefined,
      secret: v.secret,
    };
  });
}
