import type { RetiredStyle } from "./service-paths.js";

/** The steps of the Upstox login that the emulator tells apart in its request log. */
export type EmulatorStep =
  | "dialog"
  | "login-page"
  | "otp-generate"
  | "otp-verify"
  | "2fa"
  | "oauth-authorize"
  | "internal-redirect"
  | "token"
  | "profile"
  | "logout"
  | "token-request"
  | "static-ip";

export interface RequestLogEntry {
  /** Emulator clock (ms since epoch) when the request arrived. */
  at: number;
  method: string;
  path: string;
  step: EmulatorStep | null;
  status: number;
  /** Upstox error code of the answer, when it was an error (`"UDAPI100057"`, `1017106`). */
  upstoxCode?: string | number;
  /** Mobile number of the account involved, when known. */
  account?: string;
}

export interface EmulatorAppInput {
  apiKey: string;
  apiSecret: string;
  /** Registered redirect URIs; the dialog and the token exchange require an exact match. */
  redirectUris: string[];
  /** Where approved v3 token requests are delivered (R10). */
  notifierUrl?: string;
  /** Default true; an inactive app gets UDAPI100073 at the dialog. */
  active?: boolean;
  /** The internal `IND-…` client id used by the login service; generated when absent. */
  internalClientId?: string;
}

export interface EmulatorApp {
  apiKey: string;
  apiSecret: string;
  redirectUris: string[];
  notifierUrl: string | undefined;
  active: boolean;
  internalClientId: string;
  /** The app's Algo ID is "In Review" (2026 rule): token requests and exchanges are refused until approved. */
  algoIdInReview: boolean;
}

export interface EmulatorUserInput {
  /** 10 digits, no +91. */
  mobile: string;
  /** Base32 TOTP secret. */
  totpSecret: string;
  /** The 6-digit PIN in plain text (clients send it base64-encoded). */
  pin: string;
  /** UCC, e.g. "AB1234"; generated when absent. */
  userId?: string;
  profileId?: number;
  name?: string;
  email?: string;
  /** Default true; false makes the token exchange fail with UDAPI100058. */
  segmentsActive?: boolean;
  /** Further accounts on the same mobile number: listed in v5's `accounts[]`, chosen at 2FA by profileId. */
  linkedAccounts?: { userId: string; profileId: number }[];
}

export interface EmulatorUser {
  mobile: string;
  totpSecret: string;
  pin: string;
  userId: string;
  profileId: number;
  name: string;
  email: string;
  segmentsActive: boolean;
  /** Wrong PINs since the last good one. */
  pinFailures: number;
  locked: boolean;
  linkedAccounts: { userId: string; profileId: number }[];
}

export interface FaultSpec {
  /** A string matches the request path exactly; a RegExp is tested against the path. */
  path: string | RegExp;
  /** Only this HTTP method (case-insensitive); any method when absent. */
  method?: string;
  /** Answer with this status (default 500 when `body` is given). */
  status?: number;
  /** Wait this long first. With neither `status` nor `body`, the normal handler then answers. */
  delayMs?: number;
  body?: string;
  headers?: Record<string, string>;
  /** How many matching requests the fault applies to (default 1; `Infinity` allowed). */
  count?: number;
}

export interface TokenRequestApproval {
  /** True when the notifier answered 2xx. */
  delivered: boolean;
  /** The notifier's HTTP status, when it answered at all. */
  status?: number;
  /** The access token that was minted and sent. */
  token: string;
}

export interface IssuedToken {
  jti: string;
  /** The user's UCC. */
  sub: string;
  apiKey: string;
  /** Expiry, ms since epoch. */
  exp: number;
  revoked: boolean;
}

export interface EmulatorOptions {
  /** Default 0: a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Injectable clock (ms since epoch); default `Date.now`. */
  now?: () => number;
  /** Added to every request before it is answered. */
  latencyMs?: number;
  /** Default true: seed DEMO_APP and DEMO_USER. */
  seed?: boolean;
  apps?: EmulatorAppInput[];
  users?: EmulatorUserInput[];
  /** HTTP status of login-service errors (`success:false`); default 200. */
  serviceErrorStatus?: number;
  /** Default true: 2FA needs the OTP-verify cookie, OAuth approval needs the 2FA cookie. */
  requireCookies?: boolean;
  /** Minimum `appVersion` in X-Device-Details (default "4.0.0"); null disables the check. */
  minAppVersion?: string | null;
  /** OTP-generate limit per mobile number; null disables it. Default 10 per 10 minutes. */
  otpRateLimit?: { max: number; windowMs: number } | null;
  /** Accepted TOTP steps either side of now; default 1. */
  totpWindow?: number;
  /** Wrong TOTPs allowed per validateOTPToken; default 5. */
  otpAttempts?: number;
  /** Wrong PINs before the account locks; default 5. */
  maxPinAttempts?: number;
  /** Lifetime of an authorization code; default 2 minutes. */
  codeTtlMs?: number;
  /** Lifetime of a validateOTPToken; default 5 minutes. */
  otpSessionTtlMs?: number;
  /** The internal redirect between the login service and the OAuth server; default `${url}/login/authorization/redirect`. */
  internalRedirectUri?: string;
  /** Origin the dialog redirects to for the login page; default the emulator's own URL. */
  loginBase?: string;
  /** Default true for the library: no request logging to stderr. */
  quiet?: boolean;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  apiBase: string;
  serviceBase: string;
  loginBase: string;
  log: RequestLogEntry[];
  steps(step: EmulatorStep): RequestLogEntry[];
  clearLog(): void;
  addApp(app: EmulatorAppInput): EmulatorApp;
  addUser(user: EmulatorUserInput): EmulatorUser;
  setLatency(ms: number): void;
  setNow(now: () => number): void;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  /** The login-service path stops answering (an HTML 404 by default; "json-404" or "405"). */
  retirePath(path: string, style?: RetiredStyle): void;
  /** `path` answers as the known login-service path `as` does (its step, body rules and response shape). */
  servePathAs(path: string, as: string): void;
  /** Replace the login-service table: `{ servedPath: knownPath }`; every other known path is retired. */
  setServicePaths(table: Record<string, string>, style?: RetiredStyle): void;
  /** Serve every known login-service path again (also done by reset()). */
  restoreServicePaths(): void;
  /** Answer the next `count` requests to `path` (default: every login-service path) with Cloudflare's block page. */
  cloudflareChallenge(opts?: { path?: string | RegExp; count?: number }): void;
  /** Put the code in the 2FA answer (`redirectUri` with `?code=`), so clients can skip the approval call. */
  codeInTwoFaResponse(on?: boolean): void;
  /** Refuse the next `count` TOTP verifies as wrong ("Invalid OTP. N attempts left"), even with a right code. */
  rejectTotp(count?: number): void;
  /**
   * The app's Algo ID goes "In Review" (true) or is approved (false): meanwhile the token exchange and the v3
   * token request are refused. Upstox's code for this is unknown; the emulator answers ALGO_REVIEW_CODE.
   */
  setAlgoIdInReview(apiKey: string, inReview?: boolean): void;
  /** The app is deleted, as Upstox's one-app rule (2026) deletes all but a user's newest app. */
  deleteApp(apiKey: string): void;
  /**
   * What `PUT /v2/user/ip` does for the user: their live access tokens are invalidated. `false` when a second
   * update in the same calendar week was refused (UDAPI1179), as the endpoint answers.
   */
  updateStaticIp(mobile: string, ips?: string[]): boolean;
  /** Answer the next `count` token exchanges (R6) with `"access_token":"not-a-jwt"` (default 1). */
  malformedTokens(count?: number): void;
  approveTokenRequest(apiKey: string, opts?: { mobile?: string }): Promise<TokenRequestApproval>;
  /** A valid access token for the user (default: the first) and app, delivered nowhere (another user's token). */
  mintToken(
    apiKey: string,
    opts?: { mobile?: string },
  ): { token: string; userId: string; issuedAt: number; expiresAt: number };
  issuedTokens(): IssuedToken[];
  isTokenValid(token: string): boolean;
  /** Forget sessions, codes, tokens, lock-outs, rate limits, faults and the log; keep apps and users. */
  reset(): void;
  close(): Promise<void>;
}
