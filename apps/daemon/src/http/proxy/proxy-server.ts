import { listenBunServe } from "./bun-listener.js";
import { listenNodeHttp } from "./node-listener.js";
import { createProxyHandler, type ProxyHandlerOptions } from "./proxy-handler.js";
import { listenBunRaw } from "./raw-listener.js";
import { defaultClient } from "./upstream-request.js";

export { RENEWED_HEADER } from "./proxy-handler.js";

/**
 * raw (the default under Bun): the proxy's own HTTP/1.1 front on Bun.listen (raw-listener.ts), one request at a
 * time per connection, so pipelined requests are answered in order, at close to Bun.serve's cost. node (the
 * default under Node): node:http's server, with the runtime's fastest client for GET/HEAD/OPTIONS. node-http:
 * node:http both ways (what Node runs; tests under Bun). bun: Bun.serve + native fetch, never the default because
 * Bun 1.4.4's server closes the connection without a byte when a pipelined request arrives while an answer is
 * pending (test/proxy-once.test.ts). Orders go over node:http in every kind.
 */
export type ProxyServerKind = "raw" | "node" | "node-http" | "bun";

/** The handler's options (its HTTP client follows from the server kind), and which server. */
export interface ProxyServerOptions extends Omit<ProxyHandlerOptions, "client"> {
  server?: ProxyServerKind;
}

export interface ProxyServer {
  url: string;
  close(): Promise<void>;
}

/** The local API proxy: programs call it like api.upstox.com, without a token; it adds the current one. */
export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const { config, logger } = options;
  const kind = options.server ?? (typeof Bun !== "undefined" ? "raw" : "node");
  const handle = createProxyHandler({
    config,
    accounts: options.accounts,
    authority: options.authority,
    watchdog: options.watchdog,
    logger,
    metrics: options.metrics,
    ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
    client: kind === "bun" ? "fetch" : kind === "node-http" ? "node-http" : defaultClient(),
  });
  const after = (
    ex: { method: string; target: string },
    reply: { status: number; account?: string | undefined; extra?: Record<string, unknown> },
    ms: number,
  ) => {
    options.metrics?.request(reply.account ?? "-", ex.method, reply.status);
    // Method, path, account, status, time: never the token, nor the query string.
    logger.debug(
      {
        method: ex.method,
        path: ex.target.split("?")[0],
        account: reply.account,
        status: reply.status,
        ms: Math.round(ms * 10) / 10,
        ...reply.extra,
      },
      "proxied request",
    );
  };
  const split = config.listen.lastIndexOf(":");
  const host = config.listen.slice(0, split).replace(/^\[|\]$/g, "");
  const port = Number(config.listen.slice(split + 1));
  if (kind === "raw" && typeof Bun !== "undefined") {
    return listenBunRaw(host, port, handle, after, logger, {
      requestMs: Math.max(60_000, config.upstreamTimeoutMs * 2),
    });
  }
  if (kind === "bun") {
    return listenBunServe(host, port, handle, after, logger, {
      maxBodyBytes: config.maxBodyBytes,
      idleSeconds: Math.ceil((config.upstreamTimeoutMs * 2) / 1000),
    });
  }
  return listenNodeHttp(host, port, handle, after, logger, {
    requestMs: Math.max(60_000, config.upstreamTimeoutMs * 2),
  });
}
