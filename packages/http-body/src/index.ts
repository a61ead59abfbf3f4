import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The one bounded-body reader of the project: core's notifier and browser callback, the daemon's status server
 * and its API proxy (node and Bun listeners), and the emulator read request bodies through it.
 *
 * The most any local server of ours reads from one request by default. Upstox's webhook body is a few hundred
 * bytes; a bigger body is a mistake or an attack, and reading it would let any local process inflate our memory.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** A body, or what to answer instead: 400 for a malformed Content-Length or a cut-off body, 413 past the cap. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; error: string };

function tooLarge(maxBytes: number): BodyResult {
  return { ok: false, status: 413, error: `request body larger than ${maxBytes} bytes` };
}

/** A declared length: refused when malformed (400) or over the cap (413) before one byte is read. */
function checkDeclared(declared: string, maxBytes: number): BodyResult | "read" {
  const length = Number(declared);
  if (!/^\d+$/.test(declared) || !Number.isSafeInteger(length)) {
    return { ok: false, status: 400, error: "bad Content-Length" };
  }
  if (length > maxBytes) return tooLarge(maxBytes);
  if (length === 0) return { ok: true, body: Buffer.alloc(0) };
  return "read";
}

/**
 * Reads a node:http request body of at most `maxBytes`: a larger Content-Length is refused before one byte is
 * read, and a chunked body is counted as it arrives and dropped the moment it passes the cap. Nothing past the
 * cap is ever held in memory. On refusal the caller answers and calls `closeAfterAnswer` (the rest is not
 * drained, and the answer still reaches the client).
 */
export function readNodeBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BODY_BYTES): Promise<BodyResult> {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const checked = checkDeclared(declared, maxBytes);
    if (checked !== "read") return Promise.resolve(checked);
  } else if (req.headers["transfer-encoding"] === undefined) {
    return Promise.resolve({ ok: true, body: Buffer.alloc(0) });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.pause();
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks) });
    const onError = () => finish({ ok: false, status: 400, error: "the request body was cut off" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** The same for a fetch-style Request (Bun.serve, a handler mounted in Hono, ...). */
export async function readWebBody(request: Request, maxBytes = MAX_REQUEST_BODY_BYTES): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const checked = checkDeclared(declared, maxBytes);
    if (checked !== "read") return checked;
  }
  if (!request.body) return { ok: true, body: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await reader.read().catch(() => undefined);
    if (!next) return { ok: false, status: 400, error: "the request body was cut off" };
    if (next.done) return { ok: true, body: Buffer.concat(chunks) };
    size += next.value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge(maxBytes);
    }
    chunks.push(next.value);
  }
}

/**
 * Reads at most `maxBytes` of a stream we chose to read (an upstream answer), cutting it there rather than
 * refusing: `truncated` says so, and `stop` (e.g. aborting the upstream request) is called at the cut.
 */
export async function readAtMost(
  stream: AsyncIterable<Uint8Array>,
  maxBytes: number,
  stop: () => void = () => {},
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) {
      stop();
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), truncated: false };
}

/** How long a refused upload may keep its connection after the answer went out. */
const GRACE_MS = 1_000;

/**
 * After answering a request whose body is not wanted (too large, or not ours to read): read nothing more, and
 * drop the connection shortly after (the answer says `Connection: close`). Destroying at once would reset the
 * connection before the client saw the answer (the 413 must reach it); draining would read a 50 MB upload.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.once("finish", () => {
    req.pause();
    setTimeout(() => req.destroy(), GRACE_MS).unref?.();
  });
}
