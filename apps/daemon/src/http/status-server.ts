import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccountStatus } from "../observe/account-status.js";
import { PROMETHEUS_CONTENT_TYPE } from "../observe/metrics.js";
import { maskTokens, type PublicError, publicError } from "../observe/public-error.js";
import { type FleetState, withFleet } from "./fleet-status.js";
import { type AccountHealth, type HealthReport, healthReport } from "./health-report.js";
import { type AccessPolicy, decideAccess, isLoopbackAddress, isLoopbackHost } from "./request-policy.js";
import { checkRequestShape, refuseConnect } from "./request-shape.js";
import { csrfRefusal, newCsrfToken, routeRequest } from "./status-access.js";
import { json, SECURITY_HEADERS, send } from "./status-answer.js";
import { answerAccountPost } from "./status-posts.js";

export { MAX_STATUS_BODY_BYTES } from "./status-posts.js";

import type { AccountsReport } from "./status-page/account-view.js";
import { ReportStream } from "./status-page/event-stream.js";
import { renderStatusPage } from "./status-page/page-html.js";

export { type AccountHealth, type HealthReport, healthReport, maskTokens, type PublicError, publicError };

export interface StatusServerOptions {
  /** Default 127.0.0.1: the endpoint tells anyone who can reach it which accounts exist. */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  status: () => AccountStatus[];
  metrics: () => string;
  now?: () => number;
  /** The status page (/) and GET /v1/accounts, /v1/events; without it those paths are 404. */
  accounts?: () => AccountsReport;
  /** Registers a listener called on every change the page should show; returns its removal. */
  subscribe?: (listener: () => void) => () => void;
  /** POST /v1/refresh: the page's "refresh now" button (CSRF-checked); answers at once, the cycle runs on. */
  refresh?: (account: string | undefined) => Promise<{ status: number; body: unknown }>;
  /**
   * Remote mode: other machines reach everything under /s/<secret>/ (a link to bookmark on the phone), and
   * nothing else. Without it, only this machine is served, whatever `host` is.
   */
  secret?: string;
  /** POST /v1/token/invalid: a program reports that Upstox refused the token (the watchdog decides). */
  tokenInvalid?: (account: string | undefined) => Promise<{ status: number; body: unknown }>;
  /** Tests: which remote addresses count as this machine. */
  isLoopback?: AccessPolicy["isLoopback"];
  /** Fleet mode: the shared queue's state (cached); /healthz shows it and is not ok while a dead cycle is held. */
  fleet?: () => (FleetState & { read_at: number | null }) | null;
}

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

/** The only body this server reads; anything bigger is refused unread. */

interface RouteContext {
  options: StatusServerOptions;
  stream: ReportStream | undefined;
  policy: AccessPolicy;
  /** The page's per-process token for POST /v1/refresh. */
  csrfToken: string;
  /** Listening on loopback only: every request must then name a loopback Host (DNS rebinding). */
  localOnly: boolean;
}

function paths(options: StatusServerOptions): string[] {
  return [
    ...(options.accounts ? ["/", "/v1/accounts", "/v1/events"] : []),
    "/healthz",
    "/metrics",
    ...(options.refresh ? ["POST /v1/refresh"] : []),
    ...(options.tokenInvalid ? ["POST /v1/token/invalid"] : []),
  ];
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const { options } = ctx;
  const shape = checkRequestShape(req.method ?? "GET", req.url ?? "", req.headers.host);
  if (shape) {
    send(req, res, shape.status, "application/json", json({ error: shape.error }), { connection: "close" });
    return;
  }
  const routed = routeRequest(new URL(req.url ?? "/", "http://localhost").pathname, options.secret);
  if (routed.kind === "redirect") {
    send(req, res, 308, "text/plain", "", { location: routed.location });
    return;
  }
  const isLoopback = ctx.policy.isLoopback ?? isLoopbackAddress;
  if (routed.kind === "refused" || (!routed.viaSecret && !isLoopback(req.socket.remoteAddress))) {
    // Other machines see nothing without the secret link, not even which paths exist.
    send(req, res, 401, "application/json", json({ error: "open the status page's secret link" }));
    return;
  }
  const { path, viaSecret } = routed;
  const page =
    options.accounts !== undefined && (path === "/" || path === "/v1/accounts" || path === "/v1/events");
  const write = options.tokenInvalid !== undefined && path === "/v1/token/invalid";
  const refresh = options.refresh !== undefined && path === "/v1/refresh";
  const known = path === "/healthz" || path === "/metrics" || page || write || refresh;
  if (!known) {
    send(req, res, 404, "application/json", json({ error: "not found", paths: paths(options) }));
    return;
  }
  const facts = {
    remoteAddress: req.socket.remoteAddress,
    host: req.headers.host,
    origin: req.headers.origin,
    secFetchSite: req.headers["sec-fetch-site"] as string | undefined,
    clientKey: undefined,
  };
  // Through the secret link the Host is whatever the phone typed; without it, a page that rebinds its DNS name
  // to 127.0.0.1 still sends its own name, so the page, its data and its button need a loopback Host.
  if ((page || refresh) && !viaSecret && !isLoopbackHost(facts.host)) {
    send(
      req,
      res,
      403,
      "application/json",
      json({ error: "the Host header must be localhost or a loopback address" }),
    );
    return;
  }
  if (refresh) {
    if (req.method !== "POST") {
      send(req, res, 405, "application/json", json({ error: "method not allowed" }), { allow: "POST" });
      return;
    }
    const refusal = csrfRefusal(req, ctx.csrfToken);
    if (refusal) {
      send(req, res, 403, "application/json", json({ error: refusal }));
      return;
    }
    await answerAccountPost(req, res, options.refresh as NonNullable<StatusServerOptions["refresh"]>);
    return;
  }
  if (write) {
    if (req.method !== "POST") {
      send(req, res, 405, "application/json", json({ error: "method not allowed" }), { allow: "POST" });
      return;
    }
    const access = decideAccess(facts, ctx.policy);
    if (!access.ok) {
      send(req, res, access.status, "application/json", json({ error: access.error }));
      return;
    }
    await answerAccountPost(
      req,
      res,
      options.tokenInvalid as NonNullable<StatusServerOptions["tokenInvalid"]>,
    );
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(req, res, 405, "application/json", json({ error: "method not allowed" }), { allow: "GET, HEAD" });
    return;
  }
  // Every path gets the Host check, /healthz and /metrics too: a rebinding page reads nothing here (through
  // the secret link the Host is whatever the phone typed).
  if (ctx.localOnly && !viaSecret) {
    const access = decideAccess(
      { ...facts, origin: undefined, secFetchSite: undefined },
      { ...ctx.policy, allowRemote: true },
    );
    if (!access.ok) {
      send(req, res, access.status, "application/json", json({ error: access.error }));
      return;
    }
  }
  const now = (options.now ?? Date.now)();
  if (path === "/healthz") {
    const report = withFleet(healthReport(options.status(), now), options.fleet?.() ?? null);
    send(req, res, report.ok ? 200 : 503, "application/json", json(report));
    return;
  }
  if (path === "/metrics") {
    send(req, res, 200, PROMETHEUS_CONTENT_TYPE, options.metrics());
    return;
  }
  const accounts = options.accounts as () => AccountsReport;
  if (path === "/v1/accounts") {
    send(req, res, 200, "application/json", json(accounts()));
    return;
  }
  if (path === "/v1/events") {
    if (!ctx.stream?.attach(res, SECURITY_HEADERS)) {
      send(
        req,
        res,
        503,
        "application/json",
        json({ error: "too many open status pages; poll /v1/accounts" }),
      );
    }
    return;
  }
  const rendered = renderStatusPage(accounts(), {
    csrfToken: ctx.csrfToken,
    canRefresh: options.refresh !== undefined,
  });
  send(req, res, 200, "text/html; charset=utf-8", rendered.html, { "content-security-policy": rendered.csp });
}

/**
 * Serves the status page, /v1/accounts, /healthz, /metrics and POST /v1/token/invalid, on localhost by
 * default. Resolves once listening; `close()` drops open connections.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const host = options.host ?? "127.0.0.1";
  const accounts = options.accounts;
  const stream = accounts ? new ReportStream(accounts) : undefined;
  const unsubscribe = stream && options.subscribe ? options.subscribe(() => stream.changed()) : undefined;
  const ctx: RouteContext = {
    options,
    stream,
    policy: {
      allowRemote: false,
      clientKeys: [],
      allowedOrigins: [],
      ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
    },
    csrfToken: newCsrfToken(),
    localOnly: isLoopbackAddress(host) || host === "localhost",
  };
  const server = createServer((req, res) => {
    handle(req, res, ctx).catch((error: unknown) => {
      // status() or metrics() threw: answer 500 rather than hang the prober; the runner is unaffected.
      const message = error instanceof Error ? maskTokens(error.message) : "internal error";
      if (!res.headersSent) send(req, res, 500, "application/json", json({ error: message }));
      else res.destroy();
    });
  });
  server.on("connect", (_req, socket) => refuseConnect(socket));
  // Keep-alive sockets from a scraper must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
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
        unsubscribe?.();
        stream?.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
