import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toIstIso } from "@upstox-token/core";
import type { AccountStatus } from "./events.js";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.js";
import { maskTokens, type PublicError, publicError } from "./public-error.js";

export { maskTokens, type PublicError, publicError };

export interface StatusServerOptions {
  /** Default 127.0.0.1: the endpoint tells anyone who can reach it which accounts exist. */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  status: () => AccountStatus[];
  metrics: () => string;
  now?: () => number;
}

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

export interface AccountHealth {
  account: string;
  valid: boolean;
  expires_at: string | null;
  seconds_until_expiry: number | null;
  last_refresh_at: string | null;
  last_error: (PublicError & { at: string }) | null;
  next_run_at: string | null;
}

export interface HealthReport {
  ok: boolean;
  now: string;
  accounts: AccountHealth[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : toIstIso(ms));

/** Healthy while every account holds a token valid now. No accounts at all counts as healthy. */
export function healthReport(accounts: AccountStatus[], now: number): HealthReport {
  const rows = accounts.map((a): AccountHealth => {
    const valid = a.expiresAt !== null && a.expiresAt > now;
    return {
      account: a.account,
      valid,
      expires_at: iso(a.expiresAt),
      seconds_until_expiry: a.expiresAt === null ? null : Math.max(0, Math.floor((a.expiresAt - now) / 1000)),
      last_refresh_at: iso(a.lastRefreshAt),
      last_error: a.lastError === null ? null : { ...publicError(a.lastError), at: toIstIso(a.lastError.at) },
      next_run_at: iso(a.nextRunAt),
    };
  });
  return { ok: rows.every((r) => r.valid), now: toIstIso(now), accounts: rows };
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(head ? undefined : body);
}

function handle(req: IncomingMessage, res: ServerResponse, options: StatusServerOptions): void {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const known = path === "/healthz" || path === "/metrics";
  if (!known) {
    send(
      res,
      404,
      "application/json",
      `${JSON.stringify({ error: "not found", paths: ["/healthz", "/metrics"] })}\n`,
      false,
    );
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, "application/json", `${JSON.stringify({ error: "method not allowed" })}\n`, false);
    return;
  }
  const head = req.method === "HEAD";
  if (path === "/healthz") {
    const report = healthReport(options.status(), (options.now ?? Date.now)());
    send(res, report.ok ? 200 : 503, "application/json", `${JSON.stringify(report, null, 2)}\n`, head);
    return;
  }
  send(res, 200, PROMETHEUS_CONTENT_TYPE, options.metrics(), head);
}

/** Serves /healthz and /metrics on localhost. Resolves once listening; `close()` drops open connections. */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    try {
      handle(req, res, options);
    } catch (error) {
      // status() or metrics() threw: answer 500 rather than hang the prober; the runner is unaffected.
      const message = error instanceof Error ? maskTokens(error.message) : "internal error";
      if (!res.headersSent)
        send(res, 500, "application/json", `${JSON.stringify({ error: message })}\n`, false);
      else res.destroy();
    }
  });
  // Keep-alive sockets from a scraper must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
