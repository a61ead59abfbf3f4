import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { downstreamHeaders } from "./upstream-request.js";

/** A 401 body is a small JSON envelope; anything longer is not one we act on. */
const MAX_REFUSAL_BYTES = 64 * 1024;

export interface Refusal {
  /** Upstox's "Invalid token used to access API" (UDAPI100050): the token itself was refused. */
  invalidToken: boolean;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Reads a 401 answer (bounded) to tell a refused token from any other 401. */
export async function readRefusal(answer: IncomingMessage): Promise<Refusal> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REFUSAL_BYTES) {
      answer.destroy();
      break;
    }
    chunks.push(buffer);
  }
  const body = Buffer.concat(chunks);
  const headers = { ...answer.headers };
  delete headers["content-length"];
  return { invalidToken: isInvalidTokenBody(body.toString("utf8")), headers, body };
}

export function isInvalidTokenBody(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { errors?: { errorCode?: unknown; error_code?: unknown }[] };
    return (parsed.errors ?? []).some((e) => e.error_code === "UDAPI100050" || e.errorCode === "UDAPI100050");
  } catch {
    return false;
  }
}

/** Streams Upstox's answer to the program as it arrives: status, headers (minus hop-by-hop), body. */
export async function sendProxied(
  answer: IncomingMessage,
  res: ServerResponse,
  token: string,
): Promise<void> {
  res.writeHead(answer.statusCode ?? 502, answer.statusMessage, downstreamHeaders(answer.headers, token));
  await pipeline(answer, res);
}
