import { STATUS_CODES } from "node:http";
import type { BodyResult, Logger } from "@upstox-token/core/internal";
import { type ChunkedState, decodeChunked, parseHead, type RequestHead } from "./http1-parse.js";
import type { AfterReply, Listener, ReplyHandler } from "./node-listener.js";
import type { ProxyExchange, ProxyReply } from "./proxy-exchange.js";
import { downstreamHeaders } from "./upstream-headers.js";

const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_TIMEOUT_MS = 15_000;
const IDLE_SECONDS = 30;

type Sock = import("bun").Socket<Conn>;

/** One client connection: its unparsed bytes, the request in progress (one at a time), and its write queue. */
interface Conn {
  buf: Buffer;
  busy: boolean;
  closed: boolean;
  /** Stop after the answer in progress: nothing more is read from this connection. */
  closing: boolean;
  left: AbortController | undefined;
  /** Woken when bytes arrive or the connection closes (a body being read). */
  wake: (() => void) | undefined;
  /** Something of the current answer went out (a failure after that can only cut the connection). */
  answering: boolean;
  queue: Uint8Array[];
  drained: (() => void)[];
  headTimer: ReturnType<typeof setTimeout> | undefined;
}

const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const SAFE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headText(
  status: number,
  reason: string,
  headers: Record<string, string | string[]>,
  extra: string,
): string {
  let text = `HTTP/1.1 ${status} ${SAFE_VALUE.test(reason) && reason ? reason : (STATUS_CODES[status] ?? "")}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !SAFE_NAME.test(name)) continue;
    for (const v of Array.isArray(value) ? value : [value])
      if (SAFE_VALUE.test(v)) text += `${name}: ${v}\r\n`;
  }
  return `${text}${extra}\r\n`;
}

/** Writes now what the socket takes, queues the rest; false while anything is queued. */
function send(s: Sock, data: Uint8Array): boolean {
  const c = s.data;
  if (c.closed) return false;
  if (c.queue.length > 0) {
    c.queue.push(data);
    return false;
  }
  const n = s.write(data);
  if (n < 0) return false;
  if (n < data.length) {
    c.queue.push(data.subarray(n));
    return false;
  }
  return true;
}

function flush(s: Sock): void {
  const c = s.data;
  while (c.queue.length > 0) {
    const next = c.queue[0] as Uint8Array;
    const n = s.write(next);
    if (n < 0) return;
    if (n < next.length) {
      c.queue[0] = next.subarray(n);
      return;
    }
    c.queue.shift();
  }
  for (const resolve of c.drained.splice(0)) resolve();
}

const drained = (s: Sock) =>
  s.data.queue.length === 0 || s.data.closed
    ? Promise.resolve()
    : new Promise<void>((resolve) => s.data.drained.push(resolve));

/** Ends the connection once what is queued is out. */
async function finish(s: Sock): Promise<void> {
  s.data.closing = true;
  await drained(s);
  if (!s.data.closed) s.end();
}

function refuse(s: Sock, status: number, error: string, code = "PROXY_BAD_REQUEST"): void {
  const body = `${JSON.stringify({ status: "error", errors: [{ errorCode: code, error_code: code, message: error }] })}\n`;
  send(
    s,
    Buffer.from(
      headText(
        status,
        "",
        { "content-type": "application/json" },
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`,
      ) + body,
    ),
  );
  void finish(s);
}

/** Waits for bytes (or the close) on a connection whose request body is being read. */
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
  const chunked: ChunkedState = { pos: 0, size: 0, parts: [], trailers: false };
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
    if (!(await more(s, waitMs))) return { ok: false, status: 400, error: "the request body was cut off" };
  }
}

async function writeReply(s: Sock, head: RequestHead, reply: ProxyReply): Promise<void> {
  const keep = head.keepAlive && !reply.close && !s.data.closing;
  const conn = keep ? "" : "connection: close\r\n";
  const noBody = head.method === "HEAD";
  if (reply.kind !== "upstream") {
    const body = reply.kind === "json" ? Buffer.from(`${JSON.stringify(reply.body)}\n`) : reply.body;
    const headers = {
      ...(reply.kind === "json" ? { "content-type": "application/json", "cache-control": "no-store" } : {}),
      ...reply.headers,
    };
    delete (headers as Record<string, unknown>)["content-length"];
    const text = headText(reply.status, "", headers, `content-length: ${body.length}\r\n${conn}`);
    send(s, noBody ? Buffer.from(text) : Buffer.concat([Buffer.from(text), body]));
    return;
  }
  const { answer } = reply;
  const headers = downstreamHeaders(answer.headers, reply.token);
  const bodiless = noBody || answer.status === 204 || answer.status === 304 || answer.status < 200;
  const declared = headers["content-length"];
  const length = typeof declared === "string" && /^\d+$/.test(declared) ? Number(declared) : undefined;
  delete headers["content-length"];
  const chunked = !bodiless && length === undefined;
  const framing = bodiless
    ? declared !== undefined && noBody
      ? `content-length: ${declared}\r\n`
      : ""
    : chunked
      ? "transfer-encoding: chunked\r\n"
      : `content-length: ${length}\r\n`;
  let pending: Uint8Array | undefined = Buffer.from(
    headText(answer.status, answer.statusText, headers, framing + conn),
  );
  let sent = 0;
  const out = (chunk: Uint8Array) =>
    chunked
      ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
      : chunk;
  try {
    for await (const chunk of answer.body) {
      if (s.data.closed) {
        answer.abort();
        return;
      }
      if (bodiless || chunk.length === 0) continue;
      sent += chunk.length;
      if (length !== undefined && sent > length)
        throw new Error("the answer from Upstox was longer than it said");
      // The head goes out with the first chunk: a small answer is one write.
      const data = pending ? Buffer.concat([pending, out(chunk)]) : out(chunk);
      pending = undefined;
      if (!send(s, data)) await drained(s);
    }
  } catch (error) {
    // Headers may be out: the only honest signal left is a cut connection.
    s.data.closing = true;
    s.terminate();
    throw error;
  }
  if (length !== undefined && !bodiless && sent !== length) {
    s.data.closing = true;
    s.terminate();
    throw new Error("the answer from Upstox broke off");
  }
  const tail = chunked ? Buffer.from("0\r\n\r\n") : undefined;
  const last = pending && tail ? Buffer.concat([pending, tail]) : (pending ?? tail);
  if (last) send(s, last);
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
        if (!s.data.busy) s.end();
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
