import type { ProxyConfig } from "@upstox-token/core/daemon-config";
import { type Logger, readAtMost } from "@upstox-token/core/internal";
import { type AccessPolicy, decideAccess } from "../request-policy.js";
import { checkRequestShape } from "../request-shape.js";
import { isInvalidTokenBody } from "./proxied-answer.js";
import type { ProxyExchange, ProxyReply } from "./proxy-exchange.js";
import type { ProxyMetrics } from "./proxy-metrics.js";
import type { CurrentToken, TokenAuthority } from "./token-authority.js";
import { downstreamHeaders, upstreamRequestHeaders } from "./upstream-headers.js";
import {
  type HttpClientKind,
  isSafeMethod,
  sendUpstream,
  type UpstreamAnswer,
  UpstreamError,
  upstreamUrlText,
} from "./upstream-request.js";
import type { TokenWatchdog } from "./watchdog.js";

export const RENEWED_HEADER = "x-upstox-token-renewed";
/** On every answer the proxy makes itself: was the request sent to Upstox? (see the README's proxy section) */
export const OUTCOME_HEADER = "x-upstox-token-proxy";
/** Never reached Upstox: safe to send again. */
export const NOT_SENT = "not-sent";
/** Reached (or may have reached) Upstox, and its answer was lost: check the order book before sending again. */
export const ANSWER_LOST = "sent-answer-lost";
/** How long a program should wait before asking again while no token is at hand. */
const NO_TOKEN_RETRY_AFTER_S = 5;

/** A 401 body is a small JSON envelope; anything longer is not one we act on. */
const MAX_REFUSAL_BYTES = 64 * 1024;
/** An order's answer is read whole before the program sees a byte, so a cut answer is a clean 502, not half a 200. */
const MAX_BUFFERED_ANSWER_BYTES = 8 * 1024 * 1024;

export interface ProxyHandlerOptions {
  config: ProxyConfig;
  accounts: () => { name: string; apiBase: string }[];
  authority: TokenAuthority;
  watchdog?: TokenWatchdog | undefined;
  logger: Logger;
  metrics?: ProxyMetrics | undefined;
  /** Tests: which remote addresses count as this machine. */
  isLoopback?: AccessPolicy["isLoopback"];
  client: HttpClientKind;
}

/** An error in Upstox's own envelope (§5.1), so SDKs parse it like any other; the code says it is ours. */
function proxyError(
  status: number,
  code: string,
  message: string,
  more: Record<string, unknown> = {},
  outcome: typeof NOT_SENT | typeof ANSWER_LOST = NOT_SENT,
  headers: Record<string, string> = {},
): ProxyReply {
  return {
    kind: "json",
    status,
    headers: { [OUTCOME_HEADER]: outcome, ...headers },
    body: {
      status: "error",
      errors: [{ errorCode: code, error_code: code, message, propertyPath: null, property_path: null }],
      ...more,
    },
  };
}

/** The program left before the request was sent: it is not sent (nobody reads this answer). */
const clientGone = (account: string): ProxyReply => ({
  ...proxyError(499, "PROXY_CLIENT_GONE", "the program went away before the request was sent; not sent"),
  account,
  extra: { clientGone: true },
});

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function clientKeyOf(ex: ProxyExchange, remoteKeys: boolean): string | undefined {
  const explicit = first(ex.headers["x-upstox-proxy-key"]);
  if (explicit) return explicit;
  if (!remoteKeys) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(first(ex.headers.authorization) ?? "")?.[1];
}

function chooseAccount(
  ex: ProxyExchange,
  accounts: { name: string; apiBase: string }[],
  fallback: string | undefined,
): { name: string; apiBase: string } | { error: string } {
  const names = accounts.map((a) => a.name);
  const asked = first(ex.headers["x-upstox-account"])?.trim();
  if (asked) {
    const found = accounts.find((a) => a.name === asked);
    return (
      found ?? { error: `unknown account "${asked.slice(0, 64)}"; the accounts are: ${names.join(", ")}` }
    );
  }
  const preferred = fallback ?? (accounts.length === 1 ? accounts[0]?.name : undefined);
  return (
    accounts.find((a) => a.name === preferred) ?? {
      error: `several accounts: say which one with the X-Upstox-Account header (one of: ${names.join(", ")})`,
    }
  );
}

/** Reads a 401 answer (bounded) to tell a refused token from any other 401. */
async function readRefusal(answer: UpstreamAnswer): Promise<{ invalidToken: boolean; body: Buffer }> {
  const { body } = await readAtMost(answer.body, MAX_REFUSAL_BYTES, () => answer.abort());
  return { invalidToken: isInvalidTokenBody(body.toString("utf8")), body };
}

/** The whole answer, checked against its Content-Length; throws an UpstreamError (sent) when it broke off. */
async function readWhole(answer: UpstreamAnswer): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of answer.body) {
    size += chunk.length;
    if (size > MAX_BUFFERED_ANSWER_BYTES) {
      answer.abort();
      throw new UpstreamError(502, "the answer from Upstox was larger than the proxy holds", true);
    }
    chunks.push(chunk);
  }
  const declared = first(answer.headers["content-length"]);
  if (declared !== undefined && Number(declared) !== size) {
    throw new UpstreamError(502, "the answer from Upstox broke off", true);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The proxy's logic, apart from any HTTP server: who may call, which account, the token, the call to Upstox,
 * and the watchdog on a refused token. Returns what to answer; the server writes it.
 */
export function createProxyHandler(options: ProxyHandlerOptions): (ex: ProxyExchange) => Promise<ProxyReply> {
  const { config, logger } = options;
  const policy: AccessPolicy = {
    allowRemote: config.allowRemote,
    clientKeys: config.clientKeys,
    allowedOrigins: config.allowedOrigins,
    ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
  };
  return async (ex) => {
    const shape = checkRequestShape(ex.method, ex.target, first(ex.headers.host));
    if (shape) {
      logger.warn(
        { method: ex.method.slice(0, 16), from: ex.remoteAddress, status: shape.status },
        `proxy refused: ${shape.error}`,
      );
      const code = shape.status === 405 ? "PROXY_METHOD" : "PROXY_BAD_REQUEST";
      return { ...proxyError(shape.status, code, shape.error), close: true };
    }
    const access = decideAccess(
      {
        remoteAddress: ex.remoteAddress,
        host: first(ex.headers.host),
        origin: first(ex.headers.origin),
        secFetchSite: first(ex.headers["sec-fetch-site"]),
        clientKey: clientKeyOf(ex, config.clientKeys.length > 0),
      },
      policy,
    );
    if (!access.ok) {
      logger.warn(
        { method: ex.method, path: ex.target.split("?")[0], from: ex.remoteAddress, status: access.status },
        `proxy refused: ${access.error}`,
      );
      return { ...proxyError(access.status, "PROXY_FORBIDDEN", access.error), close: true };
    }
    const account = chooseAccount(ex, options.accounts(), config.defaultAccount);
    if ("error" in account) {
      return {
        ...proxyError(400, "PROXY_ACCOUNT", account.error, {
          accounts: options.accounts().map((a) => a.name),
        }),
        close: true,
      };
    }
    const body = await ex.readBody(config.maxBodyBytes);
    if (!body.ok) {
      // Close instead of draining: a 50 MB upload is not read to its end.
      return { ...proxyError(body.status, "PROXY_BODY", body.error), close: true, account: account.name };
    }
    const safe = isSafeMethod(ex.method);
    // An order is never held for a token: a program that gave up and retries would place it twice. A GET
    // waits for a login in flight (the start-up login), bounded, and only while its program is there.
    let token = await options.authority.current(
      account.name,
      safe ? { waitMs: config.upstreamTimeoutMs, signal: ex.signal } : {},
    );
    if (ex.signal.aborted) return clientGone(account.name);
    if (!token) {
      const retryAfter = { "retry-after": String(NO_TOKEN_RETRY_AFTER_S) };
      return {
        ...(safe
          ? proxyError(
              503,
              "PROXY_NO_TOKEN",
              `no valid token for account ${account.name} yet; not sent; see the status page`,
              {},
              NOT_SENT,
              retryAfter,
            )
          : proxyError(
              503,
              "PROXY_NOT_SENT",
              `not sent: no valid token for account ${account.name} at hand (a login may be running); it is safe to send it again after Retry-After`,
              {},
              NOT_SENT,
              retryAfter,
            )),
        account: account.name,
      };
    }
    const call = async (with_: CurrentToken) => {
      const t0 = performance.now();
      const answer = await sendUpstream(
        {
          method: ex.method,
          url: upstreamUrlText(ex.target, account.apiBase, config.upstreams),
          headers: upstreamRequestHeaders(ex.headers, with_.token, body.body.length),
          body: body.body,
          timeoutMs: config.upstreamTimeoutMs,
          signal: ex.signal,
        },
        options.client,
      );
      options.metrics?.upstreamLatency(account.name, (performance.now() - t0) / 1000);
      return answer;
    };
    try {
      let answer = await call(token);
      if (answer.status === 401 && options.watchdog) {
        const refusal = await readRefusal(answer);
        const headers = downstreamHeaders(answer.headers, token.token);
        delete headers["content-length"];
        if (!refusal.invalidToken)
          return { kind: "bytes", status: 401, headers, body: refusal.body, account: account.name };
        const verdict = await options.watchdog.tokenRefused(
          account.name,
          token.generation,
          `${ex.method} ${ex.target.split("?")[0]}`,
        );
        if (verdict.renewed && (ex.method === "GET" || ex.method === "HEAD") && !ex.signal.aborted) {
          token = verdict.token;
          answer = await call(token);
        } else {
          // Never replayed: the program learns that a new token is in place and decides.
          if (verdict.renewed) headers[RENEWED_HEADER] = "true";
          return {
            kind: "bytes",
            status: 401,
            headers,
            body: refusal.body,
            account: account.name,
            extra: { renewed: verdict.renewed },
          };
        }
      }
      if (!safe) {
        const declared = Number(first(answer.headers["content-length"]) ?? 0);
        if (declared <= MAX_BUFFERED_ANSWER_BYTES) {
          const whole = await readWhole(answer);
          const headers = downstreamHeaders(answer.headers, token.token);
          delete headers["content-length"];
          return { kind: "bytes", status: answer.status, headers, body: whole, account: account.name };
        }
      }
      return { kind: "upstream", status: answer.status, answer, token: token.token, account: account.name };
    } catch (error) {
      const upstream =
        error instanceof UpstreamError
          ? error
          : new UpstreamError(502, "the answer from Upstox broke off", true);
      if (ex.signal.aborted && !upstream.sent) return clientGone(account.name);
      if (!upstream.sent) {
        return {
          ...proxyError(502, "PROXY_NOT_SENT", `not sent: ${upstream.message}; it is safe to send it again`),
          account: account.name,
          extra: { err: upstream.message, sent: false },
        };
      }
      const advice = safe
        ? "it is safe to send it again"
        : "it may have been carried out: check the order book before sending it again";
      return {
        ...proxyError(
          upstream.status,
          "PROXY_ANSWER_LOST",
          `sent, but the answer was lost: ${upstream.message}; ${advice}`,
          {},
          ANSWER_LOST,
        ),
        account: account.name,
        extra: { err: upstream.message, sent: true, clientGone: ex.signal.aborted },
      };
    }
  };
}
