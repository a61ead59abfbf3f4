import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { closeAfterAnswer, readNodeBody } from "@upstox-token/http-body";
import { NOT_FOUND_HTML } from "./cloudflare-page.js";
import type { EmulatorState } from "./emulator-state.js";
import { sendApiError } from "./envelopes.js";
import { HttpExchange } from "./http-exchange.js";
import { findRoute, type Route } from "./route.js";
import type { RetiredStyle } from "./service-paths.js";
import type { FaultSpec, RequestLogEntry } from "./types.js";

const MAX_BODY_BYTES = 1_000_000;
const CONTROL_PREFIX = "/__emulator/";

function answerWithFault(ex: HttpExchange, fault: FaultSpec): void {
  const body = fault.body ?? "";
  let contentType = "text/plain; charset=utf-8";
  try {
    JSON.parse(body);
    contentType = "application/json";
  } catch {
    // not JSON: plain text
  }
  ex.send(fault.status ?? 500, body, { "content-type": contentType, ...fault.headers });
}

/** A path the login service no longer serves: no service envelope, just the web server's "not found". */
function answerRetired(ex: HttpExchange, style: RetiredStyle): void {
  if (style === "405") ex.send(405, "", { allow: "GET" });
  else if (style === "json-404")
    ex.json(404, { timestamp: new Date().toISOString(), status: 404, error: "Not Found" });
  else ex.html(404, NOT_FOUND_HTML);
}

/** Latency, then faults, then the route; every non-control request ends up in the log. */
export async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  state: EmulatorState,
  routes: readonly Route[],
): Promise<void> {
  const at = state.now();
  // The project's one bounded-body reader: 400 on a malformed Content-Length, 413 past the cap.
  const read = await readNodeBody(req, MAX_BODY_BYTES);
  if (!read.ok) {
    closeAfterAnswer(req, res);
    res.writeHead(read.status, { connection: "close" }).end();
    return;
  }
  const body = read.body.toString("utf8");
  // The emulator's clock, so a client can measure its skew against it (as against Upstox's Date header).
  res.setHeader("date", new Date(at).toUTCString());
  const ex = new HttpExchange(req, res, body);
  const isControl = ex.path.startsWith(CONTROL_PREFIX);
  const service = ex.method === "POST" ? state.servicePaths.lookup(ex.path) : undefined;
  const match =
    service && "route" in service
      ? { route: service.route, params: [] }
      : findRoute(routes, ex.method, ex.path);
  try {
    if (!isControl) {
      if (state.config.latencyMs > 0) await sleep(state.config.latencyMs);
      const fault = state.faults.take(ex.method, ex.path);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault && (fault.status !== undefined || fault.body !== undefined)) answerWithFault(ex, fault);
    }
    if (!ex.answered) {
      if (service && "retired" in service) answerRetired(ex, service.retired);
      else if (match) await match.route.handle(ex, state, match.params);
      else sendApiError(ex, "UDAPI10000");
    }
  } catch (error) {
    if (!state.config.quiet) console.error("[upstox-emulator] handler failed:", error);
    if (!ex.answered) sendApiError(ex, "UDAPI100500");
  }
  if (isControl) return;
  const entry: RequestLogEntry = {
    at,
    method: ex.method,
    path: ex.path,
    step: (service && "retired" in service ? service.step : match?.route.step) ?? null,
    status: ex.status,
  };
  if (ex.upstoxCode !== undefined) entry.upstoxCode = ex.upstoxCode;
  if (ex.account !== undefined) entry.account = ex.account;
  state.log.push(entry);
  if (!state.config.quiet) {
    console.error(
      `[upstox-emulator] ${entry.method} ${entry.path} -> ${entry.status}${entry.upstoxCode ? ` ${entry.upstoxCode}` : ""}`,
    );
  }
}
