import { ClockSkewMonitor } from "./clock-skew.js";
import type { LoginCookieJar } from "./cookie-jar.js";
import { NetworkError, UpstoxTokenError } from "./errors.js";
import type { Logger } from "./logger.js";
import { redactUrl } from "./redact-url.js";

/** ky is loaded by the first request, not when core is imported: a process that never logs in never pays for it. */
let kyModule: Promise<typeof import("ky")> | undefined;
function loadKy(): Promise<typeof import("ky")> {
  kyModule ??= import("ky");
  return kyModule;
}

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  url: string;
  /** The step name for logs and errors, e.g. "dialog", "2fa", "token". */
  step: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** "manual" to read a 302's Location instead of following it. Default "follow". */
  redirect?: "manual" | "follow";
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  url: string;
  /** Epoch ms (the client's clock) when the answer arrived. */
  receivedAt?: number;
}

export interface HttpClientOptions {
  timeoutMs: number;
  logger: Logger;
  /** Log each request (method, redacted URL, status, duration) at debug level. */
  debug: boolean;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  /** Cookies sent and stored for every request made with this client (one login). */
  cookieJar?: LoginCookieJar | undefined;
  now: () => number;
  onClockSkew?: ((skewMs: number) => void) | undefined;
}

/**
 * One HTTP client per flow run: ky over an injectable fetch, retries off (callers own retries; the PIN step must
 * never repeat), a timeout on every request, optional cookie jar, clock-skew measurement and debug logging.
 */
export class HttpClient {
  readonly clockSkew: ClockSkewMonitor;
  readonly #options: HttpClientOptions;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.clockSkew = new ClockSkewMonitor(options.logger, options.onClockSkew);
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const { timeoutMs, logger, debug, cookieJar, signal } = this.#options;
    const url = new URL(request.url);
    const headers: Record<string, string> = { ...request.headers };
    const cookie = await cookieJar?.header(request.url);
    if (cookie) headers.cookie = cookie;
    if (signal?.aborted) throw abortedError(request.step, signal.reason);
    const { default: ky, isTimeoutError } = await loadKy();

    const started = performance.now();
    // ky's timeout ends when the headers arrive; this deadline also covers a body that stalls mid-way.
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let response: Response;
    let text: string;
    try {
      response = await ky(request.url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: request.redirect ?? "follow",
        timeout: timeoutMs,
        retry: 0,
        throwHttpErrors: false,
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      if (debug) {
        logger.debug(
          {
            step: request.step,
            method: request.method,
            url: redactUrl(request.url),
            durationMs,
            error: errorName(error),
          },
          "http request failed",
        );
      }
      throw this.#mapFailure(error, request, url, signal, isTimeoutError(error) || deadline.aborted);
    }
    const durationMs = Math.round(performance.now() - started);
    if (debug) {
      logger.debug(
        {
          step: request.step,
          method: request.method,
          url: redactUrl(request.url),
          status: response.status,
          durationMs,
        },
        "http",
      );
    }
    this.clockSkew.observe(response.headers.get("date"), this.#options.now(), url.host);
    await cookieJar?.store(request.url, response.headers);
    return {
      status: response.status,
      headers: response.headers,
      text,
      url: request.url,
      receivedAt: this.#options.now(),
    };
  }

  #mapFailure(
    error: unknown,
    request: HttpRequest,
    url: URL,
    signal: AbortSignal | undefined,
    timedOut: boolean,
  ): UpstoxTokenError {
    if (error instanceof UpstoxTokenError) return error;
    if (signal?.aborted) return abortedError(request.step, signal.reason);
    const where = `${request.method} ${url.host}${url.pathname}`;
    if (timedOut) {
      return new NetworkError(
        "TIMEOUT",
        `${request.step}: no answer within ${this.#options.timeoutMs} ms from ${where}`,
        {
          cause: error,
          hint: "Upstox (or the network) is slow. Try again; raise UPSTOX_TIMEOUT_MS if it keeps happening.",
        },
      );
    }
    return new NetworkError("NETWORK", `${request.step}: could not reach ${where}: ${causeMessage(error)}`, {
      cause: error,
      hint: "Check the network connection, DNS and proxy settings, and UPSTOX_API_BASE / UPSTOX_SERVICE_BASE.",
    });
  }
}

function abortedError(step: string, reason: unknown): UpstoxTokenError {
  return new UpstoxTokenError("LOGIN_ABORTED", `${step}: aborted`, {
    cause: reason,
    retryable: false,
    hint: "The login was cancelled by the caller.",
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function causeMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
