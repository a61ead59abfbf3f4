import type { BodyResult, Logger } from "@upstox-token/core/internal";
import { type ChunkedState, decodeChunked, parseHead, type RequestHead } from "./http1-parse.js";
import type { AfterReply, Listener, ReplyHandler } from "./node-listener.js";
import type { ProxyExchange } from "./proxy-exchange.js";
import { type Conn, finish, flush, refuse, type Sock, send, writeReply } from "./raw-io.js";

const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_TIMEOUT_MS = 15_000;
const IDLE_SECONDS = 30;

const more = (s: Sock, ms: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    s.data.wake = () => {
      clearTimeout(timer);
      s.data.wake = undefined;
      resolve(!s.data.closed);
    };
  });

async function readBody(
  s: Sock,
  head: RequestHead,
  max: number,
  waitMs: number,
  state: { read: boolean },
): Promise<BodyResult> {
  const c = s.data;
  const { framing } = head;
  if (framing.kind === "none") {
    state.read = true;
    return { ok: true, body: Buffer.alloc(0) };
  }
  if (framing.kind === "length" && framing.length > max) {
    return { ok: false, status: 413, error: `request body larger than ${max} bytes` };
  }
  let continued = false;
  const deadline = Date.now() + waitMs;
  const chunked: ChunkedState = { pos: 0, size: 0, parts: [], trailers: false, extra: 0 };
  for (;;) {
    if (framing.kind === "length") {
      if (c.buf.length >= framing.length) {
        const body = Buffer.from(c.buf.subarray(0, framing.length));
        c.buf = c.buf.subarray(framing.length);
        state.read = true;
        return { ok: true, body };
      }
    } else {
      const result = decodeChunked(c.buf, chunked, max);
      if (result.kind === "refused") return { ok: false, status: result.status, error: result.error };
      if (result.kind === "done") {
        c.buf = c.buf.subarray(result.end);
        state.read = true;
        return { ok: true, body: result.body };
      }
    }
    if (head.expectContinue && !continued) {
      continued = true;
      send(s, Buffer.from("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    // One deadline for the whole body (as node:http's requestTimeout): a drip of bytes does not extend it.
    const left = deadline - Date.now();
    if (left <= 0 || !(await more(s, left))) {
      return { ok: false, status: 400, error: "the request body was cut off" };
    }
  }
}

/**
 * The proxy on its own HTTP/1.1 front over Bun.listen: requests on a connection are taken one at a time and
 * answered in order (pipelined bytes wait in the buffer), so it has Bun.serve's per-request cost without its
 * pipelining drop (see ProxyServerKind). Strict parsing (http1-parse.ts): anything ambiguous is a 400 and a close.
 */
export async function listenBunRaw(
  host: string,
  port: number,
  handle: ReplyHandler,
  after: AfterReply,
  logger: Logger,
  limits: { requestMs: number },
): Promise<Listener> {
  const next = (s: Sock): void => {
    const c = s.data;
    if (c.busy || c.closed || c.closing || c.buf.length === 0) return;
    const parsed = parseHead(c.buf, MAX_HEAD_BYTES);
    if (parsed.kind === "incomplete") {
      c.headTimer ??= setTimeout(() => {
        if (!c.busy && !c.closed) refuse(s, 408, "the request head did not arrive in time");
      }, HEAD_TIMEOUT_MS);
      return;
    }
    if (c.headTimer) clearTimeout(c.headTimer);
    c.headTimer = undefined;
    if (parsed.kind === "refused") {
      refuse(s, parsed.status, parsed.error);
      return;
    }
    const { head } = parsed;
    c.buf = c.buf.subarray(head.size);
    c.busy = true;
    s.timeout(0);
    const left = new AbortController();
    c.left = left;
    const body = { read: false };
    const started = performance.now();
    const ex: ProxyExchange = {
      method: head.method,
      target: head.target,
      headers: head.headers,
      remoteAddress: s.remoteAddress,
      signal: left.signal,
      readBody: (max) => readBody(s, head, max, limits.requestMs, body),
    };
    if (!head.keepAlive) c.closing = true;
    handle(ex)
      .then(async (reply) => {
        if (!body.read) c.closing = true;
        c.answering = true;
        await writeReply(s, head, reply);
        after(ex, reply, performance.now() - started);
      })
      .catch((error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : "error" }, "proxy request failed");
        if (!c.closed && !c.answering) refuse(s, 500, "internal error", "PROXY_INTERNAL");
      })
      .finally(() => {
        c.left = undefined;
        c.busy = false;
        c.answering = false;
        s.timeout(IDLE_SECONDS);
        if (c.closing) return void finish(s);
        next(s);
      });
  };
  const listener = Bun.listen<Conn>({
    hostname: host,
    port,
    socket: {
      open(s) {
        s.data = {
          buf: Buffer.alloc(0),
          busy: false,
          closed: false,
          closing: false,
          left: undefined,
          wake: undefined,
          answering: false,
          queue: [],
          drained: [],
          headTimer: undefined,
        };
        s.timeout(IDLE_SECONDS);
      },
      data(s, chunk) {
        const c = s.data;
        if (c.closing && !c.busy) return;
        // A client far ahead of its answers: no more is read; the answer in progress still goes out.
        if (
          c.buf.length + chunk.length > MAX_HEAD_BYTES * 4 + (c.wake ? Number.MAX_SAFE_INTEGER : 0) &&
          c.busy
        ) {
          c.closing = true;
          return;
        }
        c.buf = c.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([c.buf, chunk]);
        if (c.wake) c.wake();
        else next(s);
      },
      drain(s) {
        flush(s);
      },
      end(s) {
        // A FIN is how a program that gave up (curl -m) leaves: as node:http does, the request in progress is
        // dropped (never sent if it was not yet), and the connection closed.
        s.data.closing = true;
        s.data.left?.abort();
        s.end();
      },
      close(s) {
        const c = s.data;
        c.closed = true;
        if (c.headTimer) clearTimeout(c.headTimer);
        c.left?.abort();
        c.wake?.();
        for (const resolve of c.drained.splice(0)) resolve();
      },
      timeout(s) {
        if (s.data.busy) return;
        // Idle: say goodbye; a peer that does not close its side in turn is cut at the next timeout.
        if (s.data.closing) s.terminate();
        else {
          s.data.closing = true;
          s.end();
          s.timeout(5);
        }
      },
      error() {},
    },
  });
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${listener.port}`,
    close: async () => {
      listener.stop(true);
    },
  };
}
