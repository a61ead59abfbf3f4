import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";

export { downstreamHeaders, upstreamRequestHeaders } from "./upstream-headers.js";

/**
 * A call to Upstox that failed. `sent` says whether the request may have reached Upstox: false only when it
 * provably did not (no connection was made, or the program left before one was), so it is safe to send again.
 */
export class UpstreamError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

export interface UpstreamCall {
  method: string;
  /** A URL, or its text when already known good (upstreamUrl's: a checked origin-form target on a configured base). */
  url: URL | string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  timeoutMs: number;
  /** Aborts when the program that asked went away: a call not yet sent is never sent, one in flight is cut. */
  signal?: AbortSignal | undefined;
}

/** Upstox's answer, head read and body still to come, whichever HTTP client fetched it. */
export interface UpstreamAnswer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; each pause longer than the timeout ends it with an UpstreamError (504). */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading (the program went away); the connection is dropped. */
  abort(): void;
  /**
   * The fetch client's own Response, for a server that can hand its body on natively (Bun.serve); then
   * `body` is not read. Pauses in it are bounded by that server's idle timeout.
   */
  raw?: Response;
}

/** Answers up to this size, with a Content-Length, are read in one go. */
const SMALL_ANSWER_BYTES = 64 * 1024;

/** Failures that happen before a connection exists: the request cannot have left. */
const NEVER_CONNECTED = new Set([
  "ECONNREFUSED",
  "ConnectionRefused",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "DNSException",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "FailedToOpenSocket",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function unreachable(error: unknown, sent: boolean): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? "error";
  const message = sent
    ? `the connection to Upstox broke after the request went out (${code})`
    : `Upstox could not be reached (${code})`;
  return new UpstreamError(502, message, sent);
}

/**
 * Sends one request upstream. Safe methods (GET, HEAD, OPTIONS) go over a kept-alive connection: under Bun its
 * native fetch (without decompression, so bytes and Content-Encoding pass through unchanged), under Node
 * node:http. Anything else (an order) goes once over a connection of its own (`sendOnce`): Bun's fetch re-sends
 * PUT and DELETE on a reset pooled connection (measured: test/proxy-once.test.ts), node:http never re-sends,
 * and a fresh connection makes "was it sent?" a question the socket answers.
 */
export function sendUpstream(
  call: UpstreamCall,
  client: HttpClientKind = defaultClient(),
): Promise<UpstreamAnswer> {
  if (!isSafeMethod(call.method)) return sendOnce(call);
  return client === "fetch" ? sendWithFetch(call) : sendWithNodeHttp(call, false);
}

/** Methods a runtime may re-send without harm; everything else is sent at most once. */
export function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/** One send over a new connection, closed after the answer: no pool, no runtime retry. */
export function sendOnce(call: UpstreamCall): Promise<UpstreamAnswer> {
  return sendWithNodeHttp(call, true);
}

/** fetch: Bun's native client (no decompression); node-http: node:http, also what Node uses. */
export type HttpClientKind = "fetch" | "node-http";

export function defaultClient(): HttpClientKind {
  return typeof Bun !== "undefined" ? "fetch" : "node-http";
}

const programLeft = (sent: boolean) => new UpstreamError(502, "the program went away", sent);

async function sendWithFetch(call: UpstreamCall): Promise<UpstreamAnswer> {
  if (call.signal?.aborted) throw programLeft(false);
  const controller = new AbortController();
  const expire = (what: string) => () => controller.abort(new UpstreamError(504, what, true));
  let timer = setTimeout(expire(`no answer from Upstox in ${call.timeoutMs} ms`), call.timeoutMs);
  const onLeave = () => controller.abort(programLeft(true));
  call.signal?.addEventListener("abort", onLeave, { once: true });
  const headers: Record<string, string> = {};
  for (const name in call.headers) {
    if (name === "host" || name === "content-length") continue;
    const value = call.headers[name] as string | string[];
    // What Headers.append does with a repeated name.
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers,
      ...(call.body.length > 0 ? { body: call.body } : {}),
      redirect: "manual",
      signal: controller.signal,
      decompress: false,
    } as RequestInit);
  } catch (error) {
    clearTimeout(timer);
    call.signal?.removeEventListener("abort", onLeave);
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw unreachable(controller.signal.reason ?? error, !NEVER_CONNECTED.has(code));
  }
  clearTimeout(timer);
  const head: IncomingHttpHeaders = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") head[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) head["set-cookie"] = cookies;
  // A small answer of known length is read whole (one write downstream, the common case); others stream.
  const length = Number(head["content-length"] ?? Number.NaN);
  const small = Number.isFinite(length) && length <= SMALL_ANSWER_BYTES;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      if (small) {
        timer = setTimeout(expire("Upstox stopped sending the answer"), call.timeoutMs);
        yield new Uint8Array(await response.arrayBuffer().catch((e) => broke(e)));
        return;
      }
      reader = response.body?.getReader();
      if (!reader) return;
      for (;;) {
        timer = setTimeout(expire("Upstox stopped sending the answer"), call.timeoutMs);
        const next = await (reader as ReadableStreamDefaultReader<Uint8Array>).read().catch((e) => broke(e));
        clearTimeout(timer);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onLeave);
    }
  }
  const broke = (error: unknown): never => {
    throw unreachable(controller.signal.reason ?? error, true);
  };
  return {
    status: response.status,
    statusText: response.statusText,
    headers: head,
    body: body(),
    abort: () => controller.abort(programLeft(true)),
    raw: response,
  };
}

function sendWithNodeHttp(call: UpstreamCall, fresh: boolean): Promise<UpstreamAnswer> {
  const url = typeof call.url === "string" ? new URL(call.url) : call.url;
  const https = url.protocol === "https:";
  const send = https ? httpsRequest : httpRequest;
  if (call.signal?.aborted) return Promise.reject(programLeft(false));
  return new Promise((resolve, reject) => {
    // Set once a connection exists: from then on the request may have reached Upstox.
    let connected = false;
    const req = send(url, {
      method: call.method,
      headers: { ...call.headers, host: url.host },
      agent: fresh ? false : https ? agents.https : agents.http,
      timeout: call.timeoutMs,
    });
    const onLeave = () => req.destroy(programLeft(connected));
    call.signal?.addEventListener("abort", onLeave, { once: true });
    const done = () => call.signal?.removeEventListener("abort", onLeave);
    req.once("socket", (socket: Socket) => {
      // A pooled socket is already open; a socket whose state cannot be read counts as connected.
      if (socket.connecting !== true) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    req.once("response", (res: IncomingMessage) => {
      // From here the timeout guards pauses in the body; the socket goes back to the pool when it ends.
      res.setTimeout?.(call.timeoutMs, () =>
        res.destroy(new UpstreamError(504, "Upstox stopped sending the answer", true)),
      );
      res.once("close", done);
      resolve({
        status: res.statusCode ?? 502,
        statusText: res.statusMessage ?? "",
        headers: res.headers,
        body: wrapBody(res),
        abort: () => res.destroy(),
      });
    });
    req.once("timeout", () =>
      req.destroy(new UpstreamError(504, `no answer from Upstox in ${call.timeoutMs} ms`, connected)),
    );
    req.once("error", (error) => {
      done();
      reject(unreachable(error, connected));
    });
    req.end(call.body.length > 0 ? call.body : undefined);
  });
}

/** The body, with a cut connection turned into an UpstreamError (sent: the answer had begun). */
async function* wrapBody(res: IncomingMessage): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array;
  } catch (error) {
    throw unreachable(error, true);
  }
  if (!res.complete) throw new UpstreamError(502, "the answer from Upstox broke off", true);
}

/** The longest configured prefix that matches, else the account's API host. */
export function upstreamUrl(
  pathAndQuery: string,
  apiBase: string,
  upstreams: Readonly<Record<string, string>>,
): URL {
  return new URL(upstreamUrlText(pathAndQuery, apiBase, upstreams));
}

/**
 * upstreamUrl as text, not parsed again per request: the target passed checkTarget (origin-form, escapes
 * well formed) and every base is an http(s) origin the config schema checked, so the text is a valid URL.
 */
export function upstreamUrlText(
  pathAndQuery: string,
  apiBase: string,
  upstreams: Readonly<Record<string, string>>,
): string {
  const path = pathAndQuery.split("?")[0] ?? "/";
  let base = apiBase;
  let best = -1;
  for (const [prefix, target] of Object.entries(upstreams)) {
    if (path.startsWith(prefix) && prefix.length > best) {
      best = prefix.length;
      base = target;
    }
  }
  return `${base.replace(/\/+$/, "")}${pathAndQuery}`;
}
