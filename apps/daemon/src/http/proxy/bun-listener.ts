import type { IncomingHttpHeaders } from "node:http";
import { type Logger, readWebBody } from "@upstox-token/core/internal";
import type { AfterReply, Listener, ReplyHandler } from "./node-listener.js";
import type { ProxyExchange, ProxyReply } from "./proxy-exchange.js";
import { downstreamHeaders } from "./upstream-headers.js";

function toHeaders(record: Record<string, string | string[]>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function toResponse(reply: ProxyReply, onDone: () => void): Response {
  if (reply.kind === "upstream" && reply.answer.raw) {
    // Bun pipes fetch's body to the program natively: no JavaScript per chunk.
    onDone();
    return new Response(reply.answer.raw.body, {
      status: reply.status,
      statusText: reply.answer.statusText,
      headers: toHeaders(downstreamHeaders(reply.answer.headers, reply.token)),
    });
  }
  if (reply.kind === "upstream") {
    const headers = toHeaders(downstreamHeaders(reply.answer.headers, reply.token));
    const iterator = reply.answer.body[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            controller.close();
            onDone();
          } else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
          onDone();
        }
      },
      cancel() {
        reply.answer.abort();
        onDone();
      },
    });
    return new Response(body, { status: reply.status, statusText: reply.answer.statusText, headers });
  }
  onDone();
  const body = reply.kind === "json" ? `${JSON.stringify(reply.body)}\n` : new Uint8Array(reply.body);
  const headers = toHeaders({
    ...(reply.kind === "json" ? { "content-type": "application/json", "cache-control": "no-store" } : {}),
    ...reply.headers,
    ...(reply.close ? { connection: "close" } : {}),
  });
  return new Response(body, { status: reply.status, headers });
}

/** The path and query of Bun's absolute request URL; Bun leaves the target as sent when Host is malformed. */
function targetOf(url: string): string {
  if (url.startsWith("/")) return url;
  const scheme = url.indexOf("://");
  const slash = scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
  return slash < 0 ? "/" : url.slice(slash);
}

const INTERNAL_ERROR =
  '{"status":"error","errors":[{"errorCode":"PROXY_INTERNAL","error_code":"PROXY_INTERNAL"}]}\n';

/** A plain answer of our own: never Bun's error page (which shows source lines and the working folder). */
function internalError(): Response {
  return new Response(INTERNAL_ERROR, {
    status: 500,
    headers: { "content-type": "application/json", connection: "close" },
  });
}

/**
 * The proxy on Bun.serve: its native server costs less per request than Bun's node:http layer (bench/proxy.ts),
 * but Bun 1.4.4 closes the connection without a byte when a pipelined request arrives while an answer is
 * pending (uWS refuses async pipelining), so it is not the default (ProxyServerKind; raw-listener.ts is).
 */
export async function listenBunServe(
  host: string,
  port: number,
  handle: ReplyHandler,
  after: AfterReply,
  logger: Logger,
  limits: { maxBodyBytes: number; idleSeconds: number },
): Promise<Listener> {
  const server = Bun.serve({
    hostname: host,
    port,
    // Bun refuses a declared body over this itself, before any byte is read.
    maxRequestBodySize: limits.maxBodyBytes,
    idleTimeout: Math.min(255, Math.max(10, limits.idleSeconds)),
    // Never the development error page, whatever NODE_ENV says; anything thrown gets our plain 500.
    development: false,
    error(error) {
      logger.error({ err: error instanceof Error ? error.message : "error" }, "proxy request failed");
      return internalError();
    },
    async fetch(request, bun) {
      const started = performance.now();
      const headers: IncomingHttpHeaders = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const ex: ProxyExchange = {
        method: request.method,
        // Bun gives an absolute URL; what the program sent was the path and query.
        target: targetOf(request.url),
        headers,
        remoteAddress: bun.requestIP(request)?.address,
        // Aborts when the program's connection closes.
        signal: request.signal,
        readBody: (max) => readWebBody(request, max),
      };
      try {
        const reply = await handle(ex);
        return toResponse(reply, () => after(ex, reply, performance.now() - started));
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : "error" }, "proxy request failed");
        return internalError();
      }
    },
  });
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`,
    close: async () => {
      await server.stop(true);
    },
  };
}
