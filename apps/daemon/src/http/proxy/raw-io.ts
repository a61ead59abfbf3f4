import { STATUS_CODES } from "node:http";
import type { RequestHead } from "./http1-parse.js";
import type { ProxyReply } from "./proxy-exchange.js";
import { downstreamHeaders } from "./upstream-headers.js";

/** The writing half of the proxy's Bun.listen front (raw-listener.ts): a write queue per connection, answers. */

export type Sock = import("bun").Socket<Conn>;

/** One client connection: its unparsed bytes, the request in progress (one at a time), and its write queue. */
export interface Conn {
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
export function send(s: Sock, data: Uint8Array): boolean {
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

export function flush(s: Sock): void {
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

export const drained = (s: Sock) =>
  s.data.queue.length === 0 || s.data.closed
    ? Promise.resolve()
    : new Promise<void>((resolve) => s.data.drained.push(resolve));

/** Ends the connection once what is queued is out. */
export async function finish(s: Sock): Promise<void> {
  s.data.closing = true;
  await drained(s);
  if (!s.data.closed) s.end();
}

export function refuse(s: Sock, status: number, error: string, code = "PROXY_BAD_REQUEST"): void {
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
export async function writeReply(s: Sock, head: RequestHead, reply: ProxyReply): Promise<void> {
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
