import type { IncomingHttpHeaders } from "node:http";
import type { BodyResult } from "@upstox-token/core/internal";
import type { UpstreamAnswer } from "./upstream-request.js";

/** One request as the proxy's logic sees it, whichever HTTP server received it. */
export interface ProxyExchange {
  method: string;
  /** The request target as sent: path and query. */
  target: string;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** The body, bounded; refused (413) past `maxBytes` without reading the rest. */
  readBody(maxBytes: number): Promise<BodyResult>;
}

/** What to answer. The server that received the request writes it. */
export type ProxyReply = (
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "bytes"; status: number; headers: Record<string, string | string[]>; body: Buffer }
  | { kind: "upstream"; status: number; answer: UpstreamAnswer; token: string }
) & {
  /** The request body was left unread: close the connection after the answer. */
  close?: boolean;
  /** For the log line and the metrics. */
  account?: string | undefined;
  extra?: Record<string, unknown>;
};
