/**
 * One error base class for everything upstox-token throws. `code` is a stable string a caller can branch on,
 * `hint` says what the user should do, `upstoxCode` carries Upstox's own code (e.g. "UDAPI100057", "1017106").
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "NETWORK"
  | "TIMEOUT"
  | "UPSTOX_API"
  | "UNEXPECTED_RESPONSE"
  | "WRONG_PIN"
  | "PIN_REFUSED_BEFORE"
  | "ACCOUNT_LOCKED"
  | "WRONG_TOTP"
  | "OTP_SESSION_EXPIRED"
  | "RATE_LIMITED"
  | "APP_VERSION_OUTDATED"
  | "BAD_CLIENT_CREDENTIALS"
  | "REDIRECT_MISMATCH"
  | "INVALID_AUTH_CODE"
  | "SEGMENTS_INACTIVE"
  | "INVALID_TOKEN"
  | "APP_INACTIVE"
  | "LOGIN_SESSION_EXPIRED"
  | "STATE_MISMATCH"
  | "LOGIN_TIMEOUT"
  | "LOGIN_ABORTED"
  | "SINK_FAILED"
  | "SINK_CHECK_FAILED"
  | "SINK_NOT_FOUND"
  | "LOCK_FAILED"
  | "BLOCKED"
  | "ENDPOINT_NOT_FOUND"
  | "ALGO_ID_IN_REVIEW"
  /** A fault nothing classified (a TypeError, a bug) during a login: the PIN's state is unknown. */
  | "UNCLASSIFIED"
  /** The token Upstox handed over is not a JWT whose `exp` is in the future: stored nowhere. */
  | "TOKEN_MALFORMED"
  /** Upstox's profile endpoint refused the token it had just handed over: stored nowhere. */
  | "TOKEN_REJECTED";

/**
 * What happened to the PIN in a failed login, so a caller never has to watch HTTP to keep the PIN rule
 * ("never send the PIN twice unless Upstox accepted it"): not sent; sent with no answer read (a timeout or a
 * dropped connection: Upstox may have counted it); sent and refused; sent and accepted.
 */
export type PinState = "not-sent" | "sent" | "refused" | "accepted";

export interface UpstoxTokenErrorOptions {
  hint?: string;
  cause?: unknown;
  upstoxCode?: string;
  httpStatus?: number;
  /** false when retrying cannot help (wrong PIN, locked account, bad credentials, bad config). */
  retryable?: boolean;
  /** Upstox said to wait (a rate limit's cooldown, a 429's Retry-After): no new attempt before this many ms. */
  waitAtLeastMs?: number;
  /** What happened to the PIN in the login that failed (set by the login flows). */
  pin?: PinState;
}

export class UpstoxTokenError extends Error {
  override readonly name: string = "UpstoxTokenError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly upstoxCode: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly waitAtLeastMs: number | undefined;
  /** Mutable so a flow can record the PIN's state on an error thrown below it. */
  pin: PinState | undefined;

  constructor(code: ErrorCode, message: string, options: UpstoxTokenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.upstoxCode = options.upstoxCode;
    this.httpStatus = options.httpStatus;
    this.retryable = options.retryable ?? false;
    this.waitAtLeastMs = options.waitAtLeastMs;
    this.pin = options.pin;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      upstoxCode: this.upstoxCode,
      httpStatus: this.httpStatus,
      retryable: this.retryable,
      waitAtLeastMs: this.waitAtLeastMs,
      pin: this.pin,
    };
  }
}

/** One bad or missing setting: the variable (or field path) and what is wrong with it. */
export interface ConfigProblem {
  field: string;
  message: string;
}

/** Bad configuration or input: exit code 2, never retried. */
export class ConfigError extends UpstoxTokenError {
  override readonly name = "ConfigError";
  /** The file the bad value came from, when there is one. */
  readonly file: string | undefined;
  /** The variable or field path, e.g. "UPSTOX_USERNAME" or "accounts[2].pinFile". The first one when several. */
  readonly field: string | undefined;
  /** Every problem found, so a user can fix them all at once. At least the one named by `field`. */
  readonly problems: ConfigProblem[];
  constructor(
    message: string,
    options: UpstoxTokenErrorOptions & { file?: string; field?: string; problems?: ConfigProblem[] } = {},
  ) {
    super("CONFIG_INVALID", message, { ...options, retryable: false });
    this.file = options.file;
    this.field = options.field ?? options.problems?.[0]?.field;
    this.problems = options.problems ?? (this.field ? [{ field: this.field, message }] : []);
  }
}

/** Could not reach Upstox, or it did not answer in time. Retryable. */
export class NetworkError extends UpstoxTokenError {
  override readonly name = "NetworkError";
  constructor(code: "NETWORK" | "TIMEOUT", message: string, options: UpstoxTokenErrorOptions = {}) {
    super(code, message, { retryable: true, ...options });
  }
}

/** Upstox answered with an error of its own; `upstoxCode` holds its code. */
export class UpstoxApiError extends UpstoxTokenError {
  override readonly name = "UpstoxApiError";
}

/** Upstox answered something we cannot read (HTML instead of JSON, a missing field). */
export class UnexpectedResponseError extends UpstoxTokenError {
  override readonly name = "UnexpectedResponseError";
  constructor(message: string, options: UpstoxTokenErrorOptions = {}) {
    super("UNEXPECTED_RESPONSE", message, { retryable: true, ...options });
  }
}

/** A sink could not be checked or written. */
export class SinkError extends UpstoxTokenError {
  override readonly name = "SinkError";
  readonly sink: string;
  constructor(
    code: "SINK_FAILED" | "SINK_CHECK_FAILED" | "SINK_NOT_FOUND",
    sink: string,
    message: string,
    options: UpstoxTokenErrorOptions = {},
  ) {
    super(code, message, options);
    this.sink = sink;
  }
}

export function isUpstoxTokenError(error: unknown): error is UpstoxTokenError {
  return error instanceof UpstoxTokenError;
}

/**
 * A login fault no one classified (a TypeError, a bug, an answer no parser expected). It may have been thrown
 * after the PIN left, so it fails closed: not retryable, and no new login in that cycle (the next scheduled
 * cycle tries again). `pin` is what the flow knew; "sent" when it cannot say.
 */
export function unclassifiedLoginError(cause: unknown, pin: PinState = "sent"): UpstoxTokenError {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new UpstoxTokenError("UNCLASSIFIED", `unexpected fault during the login: ${message}`, {
    cause,
    retryable: false,
    pin,
    hint: "The PIN may have been sent, so no new login is tried in this cycle. The next cycle tries again; if it repeats, report it with the log.",
  });
}
