import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeAfterAnswer, type Logger, readNodeBody } from "@upstox-token/core/internal";
import { refuseConnect } from "../request-shape.js";
import { sendProxied } from "./proxied-answer.js";
import type { ProxyExchange, ProxyReply } from "./proxy-exchange.js";

export interface Listener {
  url: string;
  close(): Promise<void>;
}

export type ReplyHandler = (ex: ProxyExchange) => Promise<ProxyReply>;
/** Called once the answer is out (the log line and the metrics). */
export type AfterReply = (ex: ProxyExchange, reply: ProxyReply, ms: number) => void;

function writeReply(req: IncomingMessage, res: ServerResponse, reply: ProxyReply): Promise<void> | undefined {
  if (reply.kind === "upstream") return sendProxied(reply.answer, res, reply.token);
  const body = reply.kind === "json" ? Buffer.from(`${JSON.stringify(reply.body)}\n`) : reply.body;
  res.writeHead(reply.status, {
    ...(reply.kind === "json" ? { "content-type": "application/json", "cache-control": "no-store" } : {}),
    ...reply.headers,
    "content-length": body.length,
    ...(reply.close ? { connection: "close" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
  if (reply.close) closeAfterAnswer(req, res);
  return undefined;
}

/** The proxy on node:http (the default under Node): pipelined requests answered in order, streams with back-pressure. */
export async function listenNodeHttp(
  host: string,
  port: number,
  handle: ReplyHandler,
  after: AfterReply,
  logger: Logger,
  timeouts: { requestMs: number },
): Promise<Listener> {
  const server = createServer((req, res) => {
    const started = performance.now();
    // The program's connection closed before its answer was out: it went away.
    const left = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) left.abort();
    });
    const ex: ProxyExchange = {
      method: req.method ?? "GET",
      target: req.url ?? "/",
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      signal: left.signal,
      readBody: (max) => readNodeBody(req, max),
    };
    handle(ex)
      .then(async (reply) => {
        await writeReply(req, res, reply);
        after(ex, reply, performance.now() - started);
      })
      .catch((error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : "error" }, "proxy request failed");
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(
            '{"status":"error","errors":[{"errorCode":"PROXY_INTERNAL","error_code":"PROXY_INTERNAL"}]}\n',
          );
        } else res.destroy();
      });
  });
  server.on("connect", (_req, socket) => refuseConnect(socket));
  server.headersTimeout = 15_000;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = 30_000;
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
