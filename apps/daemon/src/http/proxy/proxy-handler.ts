import type { ProxyConfig } from "@upstox-token/core/daemon-config";
import { type Logger, readAtMost } from "@upstox-token/core/internal";
import { type AccessPolicy, decideAccess } from "../request-policy.js";
import { isInvalidTokenBody } from "./proxied-answer.js";
import type { ProxyExchange, ProxyReply } from "./proxy-exchange.js";
import type { ProxyMetrics } from "./proxy-metrics.js";
import type { CurrentToken, TokenAuthority } from "./token-authority.js";
import {
  downstreamHeaders,
  type HttpClientKind,
  sendUpstream,
  type UpstreamAnswer,
  UpstreamError,
  upstreamRequestHeaders,
  upstreamUrl,
} from "./upstream-request.js";
import type { TokenWatchdog } from "./watchdog.js";

export const RENEWED_HEADER = "x-upstox-token-renewed";

/** A 401 body is a small JSON envelope; anything longer is not one we act on. */
const MAX_REFUSAL_BYTES = 64 * 1024;

export interface ProxyHandlerOptions {
  config: ProxyConfig;
  accounts: () => { name: string; apiBase: string }[];
  authority: TokenAuthority;
  watchdog?: TokenWatchdog | undefined;
  logger: Logger;
  metrics?: ProxyMetrics | undefined;
  isLoopback?: AccessPolicy["isLoopback"];
  client: HttpClientKind;
}

/** An error in Upstox's own envelope (§5.1), so SDKs parse it like any other; the code says it is ours. */
function proxyError(
  status: number,
  code: string,
  message: string,
  more: Record<string, unknown> = {},
): ProxyReply {
  return {
    kind: "json",
    status,
    body: {
      status: "error",
      errors: [{ errorCode: code, error_code: code, message, propertyPath: null, property_path: null }],
      ...more,
    },
  };
}

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
    if (!ex.target.startsWith("/")) {
      return {
        ...proxyError(400, "PROXY_BAD_REQUEST", "the request target must be a path such as /v2/user/profile"),
        close: true,
      };
    }
    const account = chooseAccount(ex, options.accounts(), config.defaultAccount);
    if ("error" in account) {
      return proxyError(400, "PROXY_ACCOUNT", account.error, {
        accounts: options.accounts().map((a) => a.name),
      });
    }
    const body = await ex.readBody(config.maxBodyBytes);
    if (!body.ok) {
      // Close instead of draining: a 50 MB upload is not read to its end.
      return { ...proxyError(body.status, "PROXY_BODY", body.error), close: true, account: account.name };
    }
    // No token yet: wait for a refresh in flight (the start-up login), never start one from here.
    let token = await options.authority.current(account.name, { waitMs: config.upstreamTimeoutMs });
    if (!token) {
      return {
        ...proxyError(
          503,
          "PROXY_NO_TOKEN",
          `no valid token for account ${account.name} yet; see the status page`,
        ),
        account: account.name,
      };
    }
    const call = async (with_: CurrentToken) => {
      const t0 = performance.now();
      const answer = await sendUpstream(
        {
          method: ex.method,
          url: upstreamUrl(ex.target, account.apiBase, config.upstreams),
          headers: upstreamRequestHeaders(ex.headers, with_.token, body.body.length),
          body: body.body,
          timeoutMs: config.upstreamTimeoutMs,
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
        if (verdict.renewed && (ex.method === "GET" || ex.method === "HEAD")) {
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
      return { kind: "upstream", status: answer.status, answer, token: token.token, account: account.name };
    } catch (error) {
      const upstream =
        error instanceof UpstreamError ? error : new UpstreamError(502, "the answer from Upstox broke off");
      return {
        ...proxyError(upstream.status, "PROXY_UPSTREAM", upstream.message),
        account: account.name,
        extra: { err: upstream.message },
      };
    }
  };
}
