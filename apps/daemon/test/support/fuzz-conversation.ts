import { connect } from "node:net";
import { decodeChunked, parseHead } from "../../src/http/proxy/http1-parse.js";
import { int, mutate, type Rng, type Target, valid } from "./http1-fuzz.js";

/** One fuzzed connection to the proxy's HTTP/1.1 front: what is written, what a strict server must do with it. */

export const BODY_MAX = 1024;

export interface Sent {
  id: string;
  mutated: boolean;
  ambiguous: boolean;
  http10: boolean;
}

/** 1-6 requests, each valid or (35%) mutated, ids `${prefix}-n` in the order written. */
export function pipeline(r: Rng, prefix: string, to?: Target) {
  const sent: Sent[] = [];
  let text = "";
  const count = 1 + int(r, 6);
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    let req = valid(r, id, to);
    const http10 = req.includes("HTTP/1.0");
    let mutated = false;
    let ambiguous = false;
    if (r() < 0.35) {
      const m = mutate(r, req);
      req = m.text;
      mutated = true;
      ambiguous = m.ambiguous;
    }
    sent.push({ id, mutated, ambiguous, http10 });
    text += req;
  }
  return { sent, text };
}

export interface Forwarded {
  method: string;
  target: string;
  id: string | undefined;
  body: string;
}

/**
 * What a strict server must do with `buf` on one connection, read as the client framed it: the requests it
 * forwards (bodies read whole), and how it stops (a refusal's status, a close after HTTP/1.0 or
 * Connection: close, or waiting for bytes that never come).
 */
function frame(buf: Buffer, idHeader: string) {
  const forwarded: Forwarded[] = [];
  let pos = 0;
  for (;;) {
    if (pos === buf.length) return { forwarded, refused: undefined, closes: false };
    const parsed = parseHead(buf.subarray(pos), 16 * 1024);
    if (parsed.kind === "incomplete") return { forwarded, refused: undefined, closes: false };
    if (parsed.kind === "refused") return { forwarded, refused: parsed.status, closes: true };
    const { head } = parsed;
    const at = pos + head.size;
    let body: Buffer = Buffer.alloc(0);
    if (head.framing.kind === "length") {
      if (head.framing.length > BODY_MAX) return { forwarded, refused: 413, closes: true };
      if (buf.length - at < head.framing.length) return { forwarded, refused: undefined, closes: false };
      body = buf.subarray(at, at + head.framing.length);
      pos = at + head.framing.length;
    } else if (head.framing.kind === "chunked") {
      const r = decodeChunked(
        buf.subarray(at),
        { pos: 0, size: 0, parts: [], trailers: false, extra: 0 },
        BODY_MAX,
      );
      if (r.kind === "refused") return { forwarded, refused: r.status, closes: true };
      if (r.kind === "incomplete") return { forwarded, refused: undefined, closes: false };
      body = r.body;
      pos = at + r.end;
    } else pos = at;
    forwarded.push({
      method: head.method,
      target: head.target,
      id: head.headers[idHeader],
      body: body.toString("latin1"),
    });
    if (!head.keepAlive) return { forwarded, refused: undefined, closes: true };
  }
}

export function model(buf: Buffer, idHeader = "x-id") {
  const framed = frame(buf, idHeader);
  const expected = framed.forwarded.length + (framed.refused ? 1 : 0);
  return { ...framed, expected, methods: framed.forwarded.map((f) => f.method) };
}

/** The complete answers in `text` (100 Continue skipped); HEAD answers carry no body. */
export function answers(text: string, methods: string[]) {
  const out: { status: number; body: string; close: boolean }[] = [];
  let pos = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", pos);
    if (end < 0) return out;
    const head = text.slice(pos, end);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    if (status === 100) {
      pos = end + 4;
      continue;
    }
    const length = methods[out.length] === "HEAD" ? 0 : Number(/content-length: (\d+)/i.exec(head)?.[1]);
    if (text.length < end + 4 + length) return out;
    out.push({ status, body: text.slice(end + 4, end + 4 + length), close: /connection: close/i.test(head) });
    pos = end + 4 + length;
  }
}

/**
 * Writes `buf` in random pieces (each in its own turn of the event loop, so the server reads them apart) and
 * reads until the server closes; once the answers `want` expects are in and the server is to keep the
 * connection, the client sends its FIN. hung: no close within `hangMs`.
 */
export function converse(
  port: number,
  buf: Buffer,
  r: Rng,
  want: { expected: number; methods: string[]; closes: boolean },
  hangMs: number,
): Promise<{ received: string; hung: boolean }> {
  return new Promise((resolve) => {
    let received = "";
    let ended = false;
    const check = () => {
      if (!ended && !want.closes && answers(received, want.methods).length >= want.expected) {
        ended = true;
        socket.end();
      }
    };
    const socket = connect(port, "127.0.0.1", async () => {
      for (let at = 0; at < buf.length; ) {
        const n = r() < 0.2 ? buf.length : 1 + int(r, 48);
        socket.write(buf.subarray(at, at + n));
        at += n;
        await new Promise((resolve) => setImmediate(resolve));
      }
      check();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, hung: true });
    }, hangMs);
    socket.on("data", (d) => {
      received += d.toString("latin1");
      check();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received, hung: false });
    });
  });
}
