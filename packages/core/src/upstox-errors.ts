import { type ErrorCode, UnexpectedResponseError, UpstoxApiError, type UpstoxTokenError } from "./errors.js";

interface KnownCode {
  code: ErrorCode;
  retryable: boolean;
  hint: string;
  /** No new attempt before this long (Upstox's own cooldown). */
  waitAtLeastMs?: number;
}

/** The login service blocks OTP requests for about 10 minutes (spec §3 R2, §7); the SPA counts down 600 s. */
export const OTP_COOLDOWN_MS = 600_000;

const PIN_HINT =
  "Check UPSTOX_PIN_CODE: the 6-digit Upstox login PIN (not the TOTP). Upstox locks the account after about " +
  "5 wrong PINs and this tool never retries the PIN step, so fix the PIN before the next login.";
/**
 * The 2026 one-app rule (protocol notes §15.1): from 2026-04-01 Upstox keeps one active API app per user, the
 * newest; the others are deleted. An app that vanished answers like a wrong client id or secret.
 */
export const ONE_APP_RULE_HINT =
  "If the app is gone from the developer console: since 1 April 2026 Upstox keeps one active API app per user " +
  "(the newest survives; older ones are deleted), so creating another app deleted this one. Use the newest " +
  "app's API key and secret (and its redirect URI).";
const CREDENTIALS_HINT = `Check UPSTOX_CLIENT_ID (the app's API key) and UPSTOX_CLIENT_SECRET against the app in the Upstox developer console. ${ONE_APP_RULE_HINT}`;
/** The 2026 static-IP rule (§15.1): a successful static-IP update invalidates the user's current tokens. */
export const STATIC_IP_RULE_HINT =
  "A token that dies before 03:30 IST is expected after a static-IP update at Upstox: since 2026 a successful " +
  "update (developer console or PUT /v2/user/ip, once a calendar week) invalidates the current tokens.";
/**
 * The Algo-ID review hold (§15.1): a token request or exchange is refused while the app's Algo ID is "In Review".
 * Upstox's code for it is unknown; the answer is recognised by its message.
 */
const ALGO_REVIEW_MESSAGE = /algo[\s_-]*id|in[\s_-]*review|under[\s_-]*review/i;
const algoReviewHint = (upstoxCode: string) =>
  'Upstox holds token generation while the app\'s Algo ID is "In Review" (2026 rule: an added or changed Algo ' +
  "ID is reviewed; once it is approved, tokens can be generated again). Check the Algo ID's status in the " +
  "developer console (My Apps) and try again after the approval; a new login before then gets the same answer. " +
  `Upstox's error code for this hold is unknown (this answer carried ${upstoxCode === "UNKNOWN" ? "no code" : upstoxCode}; it was recognised by its message).`;
const RATE_HINT_OTP =
  "Upstox blocks OTP requests for about 10 minutes after several attempts. Wait 10 minutes before the next login.";
const SESSION_HINT = "The login session expired or was reset by Upstox. Start a new login.";
const UNKNOWN_CAUSE =
  "The cause is unknown: run with UPSTOX_DEBUG=true to see the requests, and report it if it persists.";
/** The official flows work when the headless login cannot; say so wherever the headless login is refused. */
export const OFFICIAL_FLOWS_HINT =
  "the official flows still work: `upstox-token login` (browser) or `upstox-token request-token` (approve in the Upstox app)";

/** Upstox's own codes (§5.3) and what they mean for the caller. */
const KNOWN_CODES: Record<string, KnownCode> = {
  "1017106": { code: "WRONG_PIN", retryable: false, hint: PIN_HINT },
  "1017090": {
    code: "ACCOUNT_LOCKED",
    retryable: false,
    hint: "The account is locked after too many wrong PINs. Reset the PIN in the Upstox app ('Forgot PIN'), then update UPSTOX_PIN_CODE.",
  },
  "1017076": {
    code: "OTP_SESSION_EXPIRED",
    retryable: true,
    hint: "The OTP step took too long (or UPSTOX_SLEEP_TIME is too large). Start a new login.",
  },
  "1017069": { code: "RATE_LIMITED", retryable: true, hint: RATE_HINT_OTP, waitAtLeastMs: OTP_COOLDOWN_MS },
  "1017078": { code: "RATE_LIMITED", retryable: true, hint: RATE_HINT_OTP, waitAtLeastMs: OTP_COOLDOWN_MS },
  "1017125": { code: "RATE_LIMITED", retryable: true, hint: RATE_HINT_OTP, waitAtLeastMs: OTP_COOLDOWN_MS },
  "1017072": {
    code: "APP_VERSION_OUTDATED",
    retryable: false,
    hint:
      "Upstox says the app version is outdated, but in 2026 this answer came back whatever appVersion clients " +
      `sent: it may be a bot check rather than a version problem. Try again later; ${OFFICIAL_FLOWS_HINT}.`,
  },
  "1017016": {
    code: "UPSTOX_API",
    retryable: false,
    hint: `Upstox answered its generic error. Check that UPSTOX_USERNAME is the registered mobile number. ${UNKNOWN_CAUSE}`,
  },
  "1017074": {
    code: "UPSTOX_API",
    retryable: false,
    hint:
      "Several accounts are linked to this mobile number. Set UPSTOX_UCC (daemon: credentials.ucc) to the client " +
      `id (UCC) of the account to log in to; if it is set and Upstox still answers this, ${OFFICIAL_FLOWS_HINT}.`,
  },
  "1017007": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  "1017079": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  "1017084": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  "1017095": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  "1017105": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  "4000001": { code: "LOGIN_SESSION_EXPIRED", retryable: true, hint: SESSION_HINT },
  UDAPI100069: { code: "BAD_CLIENT_CREDENTIALS", retryable: false, hint: CREDENTIALS_HINT },
  UDAPI100016: { code: "BAD_CLIENT_CREDENTIALS", retryable: false, hint: CREDENTIALS_HINT },
  UDAPI100068: {
    code: "REDIRECT_MISMATCH",
    retryable: false,
    hint: `UPSTOX_REDIRECT_URI must equal the app's registered redirect URL exactly (scheme, host, port, path, trailing slash); also check UPSTOX_CLIENT_ID. ${ONE_APP_RULE_HINT}`,
  },
  UDAPI100073: {
    code: "APP_INACTIVE",
    retryable: false,
    hint: "The app (UPSTOX_CLIENT_ID) is inactive. Reactivate it in the Upstox developer console or create a new app.",
  },
  UDAPI100057: {
    code: "INVALID_AUTH_CODE",
    retryable: false,
    hint: "The authorization code was wrong, already used or expired. A code works once, for about 2 minutes: start a new login, and exchange each code exactly once.",
  },
  UDAPI100058: {
    code: "SEGMENTS_INACTIVE",
    retryable: false,
    hint: "No trading segment is active for this user. Reactivate segments from the Upstox app or web, then log in again.",
  },
  UDAPI100050: {
    code: "INVALID_TOKEN",
    retryable: false,
    hint: `The access token is expired (tokens end at 03:30 IST), revoked or wrong. Log in again for a new one. ${STATIC_IP_RULE_HINT}`,
  },
  UDAPI1179: {
    code: "UPSTOX_API",
    retryable: false,
    hint:
      "Upstox refused the static-IP update: it allows one update per calendar week, and one IP belongs to one " +
      "customer (2026 rule). Try again next week, or use an IP no other Upstox customer has registered.",
  },
  UDAPI10005: {
    code: "RATE_LIMITED",
    retryable: true,
    hint: "Too many requests to Upstox. Wait a minute and try again.",
  },
  UDAPI100036: {
    code: "UPSTOX_API",
    retryable: false,
    hint: `Upstox rejected the request as invalid input. ${UNKNOWN_CAUSE}`,
  },
  UDAPI100038: {
    code: "UPSTOX_API",
    retryable: false,
    hint: `Upstox rejected the request as invalid input. ${UNKNOWN_CAUSE}`,
  },
  UDAPI100067: {
    code: "INVALID_TOKEN",
    retryable: false,
    hint: "This API does not accept the extended token; use the access token.",
  },
  UDAPI1155: {
    code: "UPSTOX_API",
    retryable: false,
    hint:
      "The app has no notifier URL. Set it in the Upstox developer console (Apps → your app → Notifier URL, a " +
      "stable https address that reaches `upstox-token request-token` or the daemon's notifier), then try again.",
  },
  UDAPI100500: {
    code: "UPSTOX_API",
    retryable: true,
    hint: "Upstox had an internal error. Try again in a minute.",
  },
};

const WRONG_TOTP_HINT =
  "Check UPSTOX_TOTP_SECRET and that this machine's clock is synchronised (NTP): the code changes every 30 s. " +
  "Retrying helps only with the next 30 s code.";

/** A wrong TOTP has no documented code; the service's message ("Invalid OTP … attempts left") is what tells it. */
function isWrongTotpMessage(message: string): boolean {
  return /attempts? left|invalid otp|incorrect otp|wrong otp|otp (is )?invalid/i.test(message);
}

export interface ErrorContext {
  /** The login step or API call, e.g. "otp-verify" or "token"; it prefixes the message. */
  step: string;
  httpStatus: number;
  /** The answer's Retry-After header, read on 429s. */
  retryAfter?: string | null | undefined;
  /** When the answer arrived (epoch ms), for a Retry-After given as an HTTP date. */
  receivedAt?: number | undefined;
}

/** Retry-After as milliseconds to wait: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent. */
export function retryAfterMs(
  header: string | null | undefined,
  receivedAt: number = Date.now(),
): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - receivedAt);
}

/** Builds the typed error for an Upstox error code and message. Unknown codes are carried as they are. */
export function upstoxError(upstoxCode: string, upstoxMessage: string, ctx: ErrorContext): UpstoxTokenError {
  const known = KNOWN_CODES[upstoxCode];
  const message = `${ctx.step}: Upstox answered "${upstoxMessage}" [${upstoxCode}]`;
  // The Algo-ID review hold has no known code: its message tells it, whatever code it came with.
  if (ALGO_REVIEW_MESSAGE.test(upstoxMessage) && !isWrongTotpMessage(upstoxMessage)) {
    return new UpstoxApiError("ALGO_ID_IN_REVIEW", message, {
      upstoxCode,
      httpStatus: ctx.httpStatus,
      hint: algoReviewHint(upstoxCode),
      retryable: false,
    });
  }
  // A wrong TOTP comes back under the generic 1017016 (or no code): only the message tells it apart.
  const wrongTotp = (!known || upstoxCode === "1017016") && isWrongTotpMessage(upstoxMessage);
  if (known && !wrongTotp) {
    const waitAtLeastMs =
      known.waitAtLeastMs ??
      (ctx.httpStatus === 429 ? retryAfterMs(ctx.retryAfter, ctx.receivedAt) : undefined);
    return new UpstoxApiError(known.code, message, {
      upstoxCode,
      httpStatus: ctx.httpStatus,
      hint: known.hint,
      retryable: known.retryable,
      ...(waitAtLeastMs === undefined ? {} : { waitAtLeastMs }),
    });
  }
  if (wrongTotp) {
    return new UpstoxApiError("WRONG_TOTP", message, {
      upstoxCode,
      httpStatus: ctx.httpStatus,
      hint: WRONG_TOTP_HINT,
      retryable: true,
    });
  }
  if (ctx.httpStatus === 429) return rateLimited(ctx, upstoxCode, message);
  const serverSide = ctx.httpStatus >= 500;
  return new UpstoxApiError("UPSTOX_API", message, {
    upstoxCode,
    httpStatus: ctx.httpStatus,
    retryable: serverSide,
    hint: serverSide
      ? "Upstox had a server error. Try again in a minute."
      : `Upstox rejected the request with a code this tool does not know. ${UNKNOWN_CAUSE}`,
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const asText = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;

/**
 * Reads Upstox's error envelopes from a parsed body, whatever the HTTP status: §5.1
 * `{status:"error",errors:[{errorCode|error_code,message}]}` and §5.2 `{success:false,error:{code,message}}`.
 * Returns null when the body is not an error.
 */
export function errorFromBody(body: unknown, ctx: ErrorContext): UpstoxTokenError | null {
  if (!isRecord(body)) return null;
  if (body.status === "error" || Array.isArray(body.errors)) {
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    const entry = isRecord(first) ? first : {};
    const code = asText(entry.error_code) ?? asText(entry.errorCode) ?? "UNKNOWN";
    return upstoxError(code, asText(entry.message) ?? "error without message", ctx);
  }
  if (body.success === false || (isRecord(body.error) && body.success !== true)) {
    const error = isRecord(body.error) ? body.error : {};
    const code = asText(error.code) ?? "UNKNOWN";
    return upstoxError(code, asText(error.message) ?? "error without message", ctx);
  }
  return null;
}

/** The error for a response without an Upstox envelope that still failed (429, 5xx, other 4xx). */
export function errorFromStatus(status: number, ctx: ErrorContext): UpstoxTokenError | null {
  if (status === 429)
    return rateLimited(ctx, undefined, `${ctx.step}: Upstox answered HTTP 429 Too Many Requests`);
  if (status >= 500) {
    return new UpstoxApiError("UPSTOX_API", `${ctx.step}: Upstox answered HTTP ${status}`, {
      httpStatus: status,
      retryable: true,
      hint: "Upstox had a server error. Try again in a minute.",
    });
  }
  if (status >= 400) {
    return new UpstoxApiError("UPSTOX_API", `${ctx.step}: Upstox answered HTTP ${status}`, {
      httpStatus: status,
      retryable: false,
      hint: UNKNOWN_CAUSE,
    });
  }
  return null;
}

function rateLimited(ctx: ErrorContext, upstoxCode: string | undefined, message: string): UpstoxTokenError {
  const waitMs = retryAfterMs(ctx.retryAfter, ctx.receivedAt);
  return new UpstoxApiError("RATE_LIMITED", message, {
    upstoxCode,
    httpStatus: ctx.httpStatus,
    retryable: true,
    hint:
      waitMs === undefined
        ? "Too many requests to Upstox. Wait a minute and try again."
        : `Too many requests to Upstox; it asks for ${Math.ceil(waitMs / 1000)} s before the next one.`,
    ...(waitMs === undefined ? {} : { waitAtLeastMs: waitMs }),
  });
}

/** The body was not JSON, or a field the flow needs is missing. Never includes body text (it may hold secrets). */
export function unexpectedResponse(ctx: ErrorContext, what: string): UpstoxTokenError {
  return new UnexpectedResponseError(
    `${ctx.step}: unexpected answer from Upstox (HTTP ${ctx.httpStatus}): ${what}`,
    {
      httpStatus: ctx.httpStatus,
      hint: `Try again later. ${UNKNOWN_CAUSE}`,
    },
  );
}
