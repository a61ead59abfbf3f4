import type { IncomingMessage } from "node:http";

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; error: string };

/**
 * Reads a request body of at most `maxBytes`: a larger Content-Length is refused before one byte is read, and
 * a chunked body is counted as it arrives and dropped the moment it passes the cap. Nothing past the cap is
 * ever held in memory. On refusal the caller answers and closes the connection (the rest is not drained).
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared) || !Number.isSafeInteger(length)) {
      return Promise.resolve({ ok: false, status: 400, error: "bad Content-Length" });
    }
    if (length > maxBytes) return Promise.resolve(tooLarge(maxBytes));
    if (length === 0) return Promise.resolve({ ok: true, body: Buffer.alloc(0) });
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

function tooLarge(maxBytes: number): BodyResult {
  return { ok: false, status: 413, error: `request body larger than ${maxBytes} bytes` };
}
