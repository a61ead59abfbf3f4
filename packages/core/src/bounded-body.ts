import type { IncomingMessage } from "node:http";

/**
 * The most any local server of ours reads from one request. Upstox's webhook body is a few hundred bytes; a
 * bigger body is a mistake or an attack, and reading it would let any local process inflate our memory.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** A declared Content-Length over the limit is refused before a byte is read. */
function declaredTooLarge(contentLength: string | null | undefined, limit: number): boolean {
  if (!contentLength) return false;
  const length = Number(contentLength);
  return Number.isFinite(length) && length > limit;
}

/**
 * Reads a node:http request body, at most `limit` bytes. Past the limit it stops reading and throws
 * BodyTooLargeError; the caller answers 413 and closes the connection (the rest is never buffered).
 */
export async function readNodeBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  if (declaredTooLarge(req.headers["content-length"], limit)) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The same for a fetch-style Request (a handler mounted in Bun.serve, Hono, ...). */
export async function readWebBody(req: Request, limit = MAX_REQUEST_BODY_BYTES): Promise<string> {
  if (declaredTooLarge(req.headers.get("content-length"), limit)) throw new BodyTooLargeError(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
