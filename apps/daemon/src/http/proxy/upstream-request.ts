import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** Connection-scoped headers (RFC 9110 §7.6.1): never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Ours, not Upstox's: the account switch, the client key, and whatever token the program sent. */
const PROXY_ONLY = new Set([
  "authorization",
  "x-upstox-account",
  "x-upstox-proxy-key",
  "host",
  "content-length",
]);

/** Headers minus hop-by-hop ones, including any the Connection header names. */
function withoutHopByHop(
  headers: IncomingHttpHeaders,
  drop: ReadonlySet<string>,
): Record<string, string | string[]> {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.has(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  token: string,
  bodyLength: number,
): Record<string, string | string[]> {
  const headers = withoutHopByHop(incoming, PROXY_ONLY);
  headers.authorization = `Bearer ${token}`;
  if (
    bodyLength > 0 ||
    incoming["content-length"] !== undefined ||
    incoming["transfer-encoding"] !== undefined
  ) {
    headers["content-length"] = String(bodyLength);
  }
  return headers;
}

/** The answer's headers for the program: hop-by-hop removed, and any header that carries the token dropped. */
export function downstreamHeaders(
  incoming: IncomingHttpHeaders,
  token: string,
): Record<string, string | string[]> {
  const headers = withoutHopByHop(incoming, new Set());
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join("\n") : value;
    if (token.length > 0 && text.includes(token)) delete headers[name];
  }
  return headers;
}

export class UpstreamError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
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
  url: URL;
  headers: Record<string, string | string[]>;
  body: Buffer;
  timeoutMs: number;
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

const unreachable = (error: unknown) =>
  error instanceof UpstreamError
    ? error
    : new UpstreamError(
        502,
        `Upstox could not be reached (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      );

/**
 * Sends one request upstream over a kept-alive connection. Under Bun, its native fetch (without decompression,
 * so bytes and Content-Encoding pass through unchanged): Bun's node:http client costs more per request
 * (bench/proxy.ts). Under Node, node:http (Node's fetch would decompress).
 */
export function sendUpstream(
  call: UpstreamCall,
  client: HttpClientKind = defaultClient(),
): Promise<UpstreamAnswer> {
  return client === "fetch" ? sendWithFetch(call) : sendWithNodeHttp(call);
}

/** fetch: Bun's native client (no decompression); node-http: node:http, also what Node uses. */
export type HttpClientKind = "fetch" | "node-http";

export function defaultClient(): HttpClientKind {
  return typeof Bun !== "undefined" ? "fetch" : "node-http";
}

async function sendWithFetch(call: UpstreamCall): Promise<UpstreamAnswer> {
  const controller = new AbortController();
  const expire = (what: string) => () => controller.abort(new UpstreamError(504, what));
  let timer = setTimeout(expire(`no answer from Upstox in ${call.timeoutMs} ms`), call.timeoutMs);
  const headers = new Headers();
  for (const [name, value] of Object.entries(call.headers)) {
    if (name === "host" || name === "content-length") continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
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
    throw unreachable(controller.signal.reason ?? error);
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
  // Taken on first read only: until then `raw` may hand the body on instead.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  async function* body(): AsyncGenerator<Uint8Array> {
    if (small) {
      timer = setTimeout(expire("Upstox stopped sending the answer"), call.timeoutMs);
      try {
        yield new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw unreachable(controller.signal.reason ?? error);
      } finally {
        clearTimeout(timer);
      }
      return;
    }
    reader = response.body?.getReader();
    if (!reader) return;
    try {
      for (;;) {
        timer = setTimeout(expire("Upstox stopped sending the answer"), call.timeoutMs);
        const next = await (reader as ReadableStreamDefaultReader<Uint8Array>)
          .read()
          .catch((error: unknown) => {
            throw unreachable(controller.signal.reason ?? error);
          });
        clearTimeout(timer);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: head,
    body: body(),
    abort: () => controller.abort(new UpstreamError(502, "the program went away")),
    raw: response,
  };
}

function sendWithNodeHttp(call: UpstreamCall): Promise<UpstreamAnswer> {
  const https = call.url.protocol === "https:";
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(call.url, {
      method: call.method,
      headers: { ...call.headers, host: call.url.host },
      agent: https ? agents.https : agents.http,
      timeout: call.timeoutMs,
    });
    req.once("response", (res: IncomingMessage) => {
      // From here the timeout guards pauses in the body; the socket goes back to the pool when it ends.
      res.setTimeout?.(call.timeoutMs, () =>
        res.destroy(new UpstreamError(504, "Upstox stopped sending the answer")),
      );
      resolve({
        status: res.statusCode ?? 502,
        statusText: res.statusMessage ?? "",
        headers: res.headers,
        body: res,
        abort: () => res.destroy(),
      });
    });
    req.once("timeout", () =>
      req.destroy(new UpstreamError(504, `no answer from Upstox in ${call.timeoutMs} ms`)),
    );
    req.once("error", (error) => reject(unreachable(error)));
    req.end(call.body.length > 0 ? call.body : undefined);
  });
}

/** The longest configured prefix that matches, else the account's API host. */
export function upstreamUrl(
  pathAndQuery: string,
  apiBase: string,
  upstreams: Readonly<Record<string, string>>,
): URL {
  const path = pathAndQuery.split("?")[0] ?? "/";
  let base = apiBase;
  let best = -1;
  for (const [prefix, target] of Object.entries(upstreams)) {
    if (path.startsWith(prefix) && prefix.length > best) {
      best = prefix.length;
      base = target;
    }
  }
  return new URL(`${base.replace(/\/+$/, "")}${pathAndQuery}`);
}
