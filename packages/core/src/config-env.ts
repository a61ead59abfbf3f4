import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { ConfigError } from "./errors.js";

export interface ConfigVariable {
  name: string;
  /** What it is and what it is for, one line (the CLI's `check-env` and the README table use it). */
  description: string;
  /** Which flows need it; empty when it is optional everywhere. */
  requiredFor: readonly ("totp" | "browser" | "token-request" | "exchange")[];
  secret: boolean;
  default?: string;
}

/** Every variable `loadConfig` reads. Names are compatible with the Python upstox-totp package. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: "UPSTOX_USERNAME",
    description: "Registered mobile number, 10 digits without +91",
    requiredFor: ["totp"],
    secret: false,
  },
  { name: "UPSTOX_PIN_CODE", description: "6-digit Upstox login PIN", requiredFor: ["totp"], secret: true },
  {
    name: "UPSTOX_TOTP_SECRET",
    description: "TOTP key (base32, any case, spaces allowed) or the full otpauth:// URI",
    requiredFor: ["totp"],
    secret: true,
  },
  {
    name: "UPSTOX_CLIENT_ID",
    description: "API key of your Upstox app",
    requiredFor: ["totp", "browser", "token-request", "exchange"],
    secret: false,
  },
  {
    name: "UPSTOX_CLIENT_SECRET",
    description: "API secret of your Upstox app",
    requiredFor: ["totp", "browser", "token-request", "exchange"],
    secret: true,
  },
  {
    name: "UPSTOX_REDIRECT_URI",
    description: "Redirect URL registered for the app, exactly as registered (absolute http(s) URL)",
    requiredFor: ["totp", "browser", "exchange"],
    secret: false,
  },
  {
    name: "UPSTOX_DEBUG",
    description: "true to log every request (secrets redacted)",
    requiredFor: [],
    secret: false,
    default: "false",
  },
  {
    name: "UPSTOX_SLEEP_TIME",
    description: "Milliseconds to wait between login requests",
    requiredFor: [],
    secret: false,
    default: "0",
  },
  {
    name: "UPSTOX_TIMEOUT_MS",
    description: "Timeout of each HTTP request in milliseconds",
    requiredFor: [],
    secret: false,
    default: "15000",
  },
  {
    name: "UPSTOX_TOTP_RETRIES",
    description:
      "How often a rejected TOTP is tried again, each with the next 30 s code in the same OTP session (0 to 3)",
    requiredFor: [],
    secret: false,
    default: "1",
  },
  {
    name: "UPSTOX_API_BASE",
    description: "Public API base URL",
    requiredFor: [],
    secret: false,
    default: "https://api.upstox.com",
  },
  {
    name: "UPSTOX_SERVICE_BASE",
    description: "Login service base URL",
    requiredFor: [],
    secret: false,
    default: "https://service.upstox.com",
  },
  {
    name: "UPSTOX_LOGIN_BASE",
    description: "Login web app base URL; informational only (the dialog's redirect names the login host)",
    requiredFor: [],
    secret: false,
  },
  {
    name: "UPSTOX_ENDPOINT_PROFILE",
    description: "Login-service endpoints: default, 2026-09, 2026-05, or a path to a JSON profile file",
    requiredFor: [],
    secret: false,
    default: "default",
  },
  {
    name: "UPSTOX_UCC",
    description: "The account (UCC, e.g. AB1234) to log in to when several share the mobile number",
    requiredFor: [],
    secret: false,
  },
  {
    name: "UPSTOX_APP_VERSION",
    description: "appVersion sent in X-Device-Details (raise it if Upstox answers 1017072)",
    requiredFor: [],
    secret: false,
    default: "4.0.0",
  },
  {
    name: "UPSTOX_REFRESH_EXTENDED_TOKEN",
    description:
      "true: each login also asks for a fresh one-year read-only extended token (refresh_extended_token); sinks that can hold it store it beside the access token",
    requiredFor: [],
    secret: false,
    default: "false",
  },
  {
    name: "UPSTOX_STATE_DIR",
    description: "Folder for upstox-token's own state (e.g. which login-service paths answered, per account)",
    requiredFor: [],
    secret: false,
    default: "$XDG_STATE_HOME/upstox-token, else ~/.local/state/upstox-token",
  },
  {
    name: "UPSTOX_PASSWORD",
    description: "Accepted for upstox-totp compatibility and ignored: Upstox login has no password step",
    requiredFor: [],
    secret: true,
  },
];

export type EnvSource = Record<string, string | undefined>;

/**
 * The environment to read: `env` (default process.env) over the .env file, so a real (non-empty) variable wins
 * over the file. The file is parsed, never loaded into process.env. `envFile`: a path, false for none, or undefined for
 * `./.env` if it exists.
 */
export function readEnvironment(env: EnvSource = process.env, envFile?: string | false): EnvSource {
  if (envFile === false) return { ...env };
  const path = resolve(envFile ?? ".env");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (envFile === undefined && isNotFound(error)) return { ...env };
    throw new ConfigError(`Cannot read the env file ${path}: ${(error as Error).message}`, {
      file: path,
      hint: "Check the path passed as envFile (or --env-file), or pass false to read no file.",
      cause: error,
    });
  }
  const fromFile = parseDotenv(text);
  const merged: EnvSource = { ...fromFile };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") merged[key] = value;
  }
  return merged;
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}
