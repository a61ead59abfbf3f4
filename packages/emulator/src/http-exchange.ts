import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
}

function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

/** One request and its answer: the parsed request, plus what the log needs to know about the answer. */
export class HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly cookies: Map<string, string>;
  status = 0;
  upstoxCode: string | number | undefined;
  account: string | undefined;
  private readonly outgoingCookies: string[] = [];

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly body: string,
  ) {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    this.method = (req.method ?? "GET").toUpperCase();
    this.path = url.pathname;
    this.query = url.searchParams;
    this.headers = req.headers;
    this.cookies = parseCookieHeader(req.headers.cookie);
  }

  get answered(): boolean {
    return this.status !== 0;
  }

  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  /** The body as JSON, or undefined when it is not JSON. */
  jsonBody(): unknown {
    try {
      return JSON.parse(this.body);
    } catch {
      return undefined;
    }
  }

  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    let cookie = `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax`;
    if (options.maxAgeSeconds !== undefined)
      cookie += `; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`;
    if (options.httpOnly !== false) cookie += "; HttpOnly";
    this.outgoingCookies.push(cookie);
  }

  json(status: number, payload: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(payload), { "content-type": "application/json", ...headers });
  }

  html(status: number, text: string): void {
    this.send(status, text, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  }

  redirect(location: string): void {
    this.send(302, "", { location });
  }

  send(status: number, body: string, headers: Record<string, string> = {}): void {
    if (this.answered) return;
    this.status = status;
    const outgoing: Record<string, string | string[]> = { ...headers };
    if (this.outgoingCookies.length > 0) outgoing["set-cookie"] = this.outgoingCookies;
    outgoing["content-length"] = String(Buffer.byteLength(body));
    this.res.writeHead(status, outgoing);
    this.res.end(body);
  }
}
