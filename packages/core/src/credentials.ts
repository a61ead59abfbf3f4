import { z } from "zod";

/**
 * The one credentials schema: the daemon's config file validates accounts with it, and the CLI's environment
 * maps onto the same names (`CREDENTIAL_VARIABLES`; the variable names are unchanged). The mobile number is
 * `mobile` here, in every config file and in core's `UpstoxConfig` (the env variable stays UPSTOX_USERNAME).
 */

/** Indian mobile numbers start with 6-9; Upstox's own login page checks the same (/^[6-9]\d{9}$/). */
export const MOBILE_NUMBER_PATTERN = /^[6-9]\d{9}$/;
export const MOBILE_NUMBER_RULE =
  'must be the 10-digit Indian mobile number without +91, starting with 6, 7, 8 or 9 (e.g. "9876543210")';

export const mobileNumberSchema = z.string().trim().regex(MOBILE_NUMBER_PATTERN, MOBILE_NUMBER_RULE);

const httpUrl = (example: string) =>
  z
    .string()
    .refine(
      (v) => /^https?:\/\/[^/\s]+/i.test(v) && URL.canParse(v),
      `must be an http(s) URL such as ${example}`,
    );

const filePath = (what: string) => z.string().min(1, `must be the path of a file holding ${what}`);

export const credentialsSchema = z
  .strictObject({
    mobile: mobileNumberSchema
      .optional()
      .describe("The registered mobile number, 10 digits without +91 (totp flow)."),
    pin: z
      .string()
      .refine(
        (v) => /^\d{6}$/.test(v),
        `must be the 6-digit Upstox login PIN, written or read from a variable such as "\${UPSTOX_PIN_CODE}"`,
      )
      .optional()
      .describe(`The 6-digit login PIN (totp flow). Prefer "\${ENV_VAR}" or pinFile over clear text.`),
    pinFile: filePath("the PIN").optional().describe("A file holding the PIN, e.g. /run/secrets/upstox_pin."),
    totpSecret: z
      .string()
      .optional()
      .describe(
        `The base32 TOTP secret from the Upstox 2FA setup (totp flow). Prefer "\${ENV_VAR}" or totpSecretFile.`,
      ),
    totpSecretFile: filePath("the TOTP secret").optional().describe("A file holding the TOTP secret."),
    clientId: z.string().min(1, "must be the app's API key").describe("The app's API key (client id)."),
    clientSecret: z
      .string()
      .min(1, "must be the app's API secret")
      .optional()
      .describe(`The app's API secret. Prefer "\${ENV_VAR}" or clientSecretFile.`),
    clientSecretFile: filePath("the API secret").optional().describe("A file holding the app's API secret."),
    redirectUri: httpUrl("http://127.0.0.1:8976/callback").describe(
      "The redirect URL registered for the app, exactly (scheme, host, port, path).",
    ),
    ucc: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,20}$/, 'must be the Upstox client code (UCC), e.g. "AB1234"')
      .optional()
      .describe("Which account to log in to when one mobile number has several (the UCC, e.g. AB1234)."),
    apiBase: httpUrl("https://api.upstox.com").optional().describe("Override of https://api.upstox.com."),
    serviceBase: httpUrl("https://service.upstox.com")
      .optional()
      .describe("Override of https://service.upstox.com (the login service)."),
    endpointProfile: z
      .string()
      .trim()
      .min(1, 'must be a built-in profile name (e.g. "default") or the path of a JSON profile file')
      .optional()
      .describe(
        'Which login-service endpoints to use: a built-in profile name ("default", "2026-09", "2026-05") or the path of a JSON profile file (relative to the config file).',
      ),
    appVersion: z
      .string()
      .refine((v) => /^\d+(\.\d+)*$/.test(v), 'must look like "4.0.0"')
      .optional()
      .describe("The appVersion sent to the login service."),
    refreshExtendedToken: z
      .boolean()
      .optional()
      .describe(
        "Ask each token exchange for a fresh one-year read-only extended token (refresh_extended_token; default false). Sinks that can hold it store it beside the access token.",
      ),
  })
  .describe(`The account's credentials. Secrets can come from \${ENV_VAR} or from *File variants.`);

export type Credentials = z.output<typeof credentialsSchema>;
export type CredentialName = keyof Credentials;

export type LoginFlowName = "totp" | "browser" | "token-request";

/** The environment variable behind each credential (the CLI and `.env` files; names unchanged). */
export const CREDENTIAL_VARIABLES = {
  mobile: "UPSTOX_USERNAME",
  pin: "UPSTOX_PIN_CODE",
  totpSecret: "UPSTOX_TOTP_SECRET",
  clientId: "UPSTOX_CLIENT_ID",
  clientSecret: "UPSTOX_CLIENT_SECRET",
  redirectUri: "UPSTOX_REDIRECT_URI",
} as const satisfies Partial<Record<CredentialName, string>>;

type CredentialRequirement = CredentialName | readonly [CredentialName, CredentialName];

const REQUIRED: Record<LoginFlowName, readonly CredentialRequirement[]> = {
  totp: [
    "mobile",
    ["pin", "pinFile"],
    ["totpSecret", "totpSecretFile"],
    "clientId",
    ["clientSecret", "clientSecretFile"],
    "redirectUri",
  ],
  browser: ["clientId", ["clientSecret", "clientSecretFile"], "redirectUri"],
  "token-request": ["clientId", ["clientSecret", "clientSecretFile"]],
};

/**
 * What a flow needs. A pair is "one of": the value itself or a file holding it (`pin` or `pinFile`).
 * The env-only view (no files) is `requiredFor(flow).map((r) => (Array.isArray(r) ? r[0] : r))`.
 */
export function requiredFor(flow: LoginFlowName): readonly CredentialRequirement[] {
  return REQUIRED[flow];
}

/** The problems of one account's credentials for its flow: missing values, and a value given twice. */
export function credentialProblems(
  credentials: Partial<Record<CredentialName, unknown>>,
  flow: LoginFlowName,
): { field: CredentialName; message: string }[] {
  const problems: { field: CredentialName; message: string }[] = [];
  for (const need of requiredFor(flow)) {
    const names: readonly CredentialName[] = Array.isArray(need) ? need : [need as CredentialName];
    const given = names.filter((n) => credentials[n] !== undefined);
    if (given.length === 0) {
      problems.push({
        field: names[0]!,
        message: `is required for the ${flow} flow${names.length > 1 ? ` (or ${names[1]})` : ""}`,
      });
    } else if (given.length > 1) {
      problems.push({ field: names[1]!, message: `give either ${names[0]} or ${names[1]}, not both` });
    }
  }
  return problems;
}
