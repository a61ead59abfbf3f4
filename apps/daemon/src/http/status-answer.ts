import type { IncomingMessage, ServerResponse } from "node:http";
import { closeAfterAnswer } from "@upstox-token/core/internal";

/** How the status server answers: security headers on every answer, no caching, unread bodies closed. */
export const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  // A body we did not read is not drained either: the connection closes once the answer is out.
  const close = hasBody(req) && !req.complete;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...(close ? { connection: "close" } : {}),
    ...extra,
  });
  res.end(req.method === "HEAD" ? undefined : body);
  if (close) closeAfterAnswer(req, res);
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
