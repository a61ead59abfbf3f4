import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@upstox-token/core";
import { readBoundedBody } from "./bounded-body.js";
import { readRefusal, sendProxied } from "./proxied-answer.js";
import type { ProxyConfig } from "./proxy-config.js";
import type { ProxyMetrics } from "./proxy-metrics.js";
import { closeAfterAnswer } from "./refuse-unread.js";
import { type AccessPolicy, decideAccess } from "./request-policy.js";
import type { CurrentToken, TokenAuthority } from "./token-authority.js";
import {
  downstreamHeaders,
  sendUpstream,
  UpstreamError,
  upstreamRequestHeaders,
  upstreamUrl,
} from "./upstream-request.js";
import type { TokenWatchdog } from "./watchdog.js";

export interface ProxyServerOptions {
  config: ProxyConfig;
  /** The accounts and their API hosts now (changes on a config reload). */
  accounts: () => { name: string; apiBase: string }[];
  authority: TokenAuthority;
  watchdog?: TokenWatchdog | undefined;
  logger: Logger;
  metrics?: ProxyMetrics | undefined;
  /** Tests: which remote addresses count as this machine. */
  isLoopback?: AccessPolicy["isLoopback"];
  now?: () => number;
}

export interface ProxyServer {
  url: string;
  close(): Promise<void>;
}

export const RENEWED_HEADER = "x-upstox-token-renewed";

function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

/** An error in Upstox's own envelope (§5.1), so SDKs parse it like any other; the code says it is ours. */
function proxyError(res: ServerResponse, status: number, code: string, message: string, close = false): void {
  sendJson(
    res,
    status,
    {
      status: "error",
      errors: [{ errorCode: code, error_code: code, message, propertyPath: null, property_path: null }],
    },
    close,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function clientKeyOf(req: IncomingMessage, remoteKeys: boolean): string | undefined {
  const explicit = header(req, "x-upstox-proxy-key");
  if (explicit) return explicit;
  if (!remoteKeys) return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header(req, "authorization") ?? "");
  return bearer?.[1];
}

function chooseAccount(
  req: IncomingMessage,
  accounts: { name: string; apiBase: string }[],
  fallback: string | undefined,
): { name: string; apiBase: string } | { error: string } {
  const names = accounts.map((a) => a.name);
  const asked = header(req, "x-upstox-account")?.trim();
  if (asked) {
    const found = accounts.find((a) => a.name === asked);
    return (
      found ?? { error: `unknown account "${asked.slice(0, 64)}"; the accounts are: ${names.join(", ")}` }
    );
  }
  const preferred = fallback ?? (accounts.length === 1 ? accounts[0]?.name : undefined);
  const found = accounts.find((a) => a.name === preferred);
  return (
    found ?? {
      error: `several accounts: say which one with the X-Upstox-Account header (one of: ${names.join(", ")})`,
    }
  );
}

/** The local API proxy: programs call it like api.upstox.com, without a token; it adds the current one. */
export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const policy: AccessPolicy = {
    allowRemote: config.allowRemote,
    clientKeys: config.clientKeys,
    allowedOrigins: config.allowedOrigins,
    ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = now();
    const method = req.method ?? "GET";
    const target = req.url ?? "/";
    const path = target.split("?")[0] ?? "/";
    const access = decideAccess(
      {
        remoteAddress: req.socket.remoteAddress,
        host: header(req, "host"),
        origin: header(req, "origin"),
        secFetchSite: header(req, "sec-fetch-site"),
        clientKey: clientKeyOf(req, config.clientKeys.length > 0),
      },
      policy,
    );
    const done = (status: number, account: string | undefined, extra: Record<string, unknown> = {}) => {
      options.metrics?.request(account ?? "-", method, status);
      logger.debug({ method, path, account, status, ms: now() - started, ...extra }, "proxied request");
    };
    if (!access.ok) {
      logger.warn(
        { method, path, from: req.socket.remoteAddress, status: access.status },
        `proxy refused: ${access.error}`,
      );
      proxyError(res, access.status, "PROXY_FORBIDDEN", access.error, true);
      options.metrics?.request("-", method, access.status);
      return;
    }
    if (!target.startsWith("/")) {
      proxyError(
        res,
        400,
        "PROXY_BAD_REQUEST",
        "the request target must be a path such as /v2/user/profile",
        true,
      );
      return done(400, undefined);
    }
    const account = chooseAccount(req, options.accounts(), config.defaultAccount);
    if ("error" in account) {
      sendJson(res, 400, {
        status: "error",
        errors: [{ errorCode: "PROXY_ACCOUNT", error_code: "PROXY_ACCOUNT", message: account.error }],
        accounts: options.accounts().map((a) => a.name),
      });
      return done(400, undefined);
    }
    const body = await readBoundedBody(req, config.maxBodyBytes);
    if (!body.ok) {
      // Close instead of draining: a 50 MB upload is not read to its end.
      proxyError(res, body.status, "PROXY_BODY", body.error, true);
      closeAfterAnswer(req, res);
      return done(body.status, account.name);
    }
    // No token yet: wait for a refresh in flight (the start-up login), never start one from here.
    let token = await options.authority.current(account.name, { waitMs: config.upstreamTimeoutMs });
    if (!token) {
      proxyError(
        res,
        503,
        "PROXY_NO_TOKEN",
        `no valid token for account ${account.name} yet; see the status page`,
      );
      return done(503, account.name);
    }
    const call = (with_: CurrentToken) =>
      sendUpstream({
        method,
        url: upstreamUrl(target, account.apiBase, config.upstreams),
        headers: upstreamRequestHeaders(req.headers, with_.token, body.body.length),
        body: body.body,
        timeoutMs: config.upstreamTimeoutMs,
      });
    const timed = async (with_: CurrentToken) => {
      const t0 = now();
      const answer = await call(with_);
      options.metrics?.upstreamLatency(account.name, (now() - t0) / 1000);
      return answer;
    };
    try {
      let answer = await timed(token);
      let renewedHeader = false;
      if (answer.status === 401 && options.watchdog) {
        const refusal = await readRefusal(answer);
        if (refusal.invalidToken) {
          const verdict = await options.watchdog.tokenRefused(
            account.name,
            token.generation,
            `${method} ${path}`,
          );
          if (verdict.renewed && (method === "GET" || method === "HEAD")) {
            token = verdict.token;
            answer = await timed(token);
          } else {
            renewedHeader = verdict.renewed;
            res.writeHead(401, {
              ...downstreamHeaders(refusal.headers, token.token),
              "content-length": refusal.body.length,
              ...(renewedHeader ? { [RENEWED_HEADER]: "true" } : {}),
            });
            res.end(refusal.body);
            return done(401, account.name, { renewed: renewedHeader });
          }
        } else {
          res.writeHead(401, {
            ...downstreamHeaders(refusal.headers, token.token),
            "content-length": refusal.body.length,
          });
          res.end(refusal.body);
          return done(401, account.name);
        }
      }
      const status = answer.status;
      await sendProxied(answer, res, token.token);
      return done(status, account.name);
    } catch (error) {
      const upstream =
        error instanceof UpstreamError ? error : new UpstreamError(502, "the answer from Upstox broke off");
      if (!res.headersSent) proxyError(res, upstream.status, "PROXY_UPSTREAM", upstream.message);
      else res.destroy();
      return done(upstream.status, account.name, { err: upstream.message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : "error" }, "proxy request failed");
      if (!res.headersSent) proxyError(res, 500, "PROXY_INTERNAL", "internal error in the proxy");
      else res.destroy();
    });
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = Math.max(60_000, config.upstreamTimeoutMs * 2);
  server.keepAliveTimeout = 30_000;
  const split = config.listen.lastIndexOf(":");
  const host = config.listen.slice(0, split).replace(/^\[|\]$/g, "");
  const port = Number(config.listen.slice(split + 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
