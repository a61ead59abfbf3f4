import type { IncomingHttpHeaders } from "node:http";

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

const NONE: ReadonlySet<string> = new Set();

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

/** Every form the token could take in a header: as is, base64 (also of `Bearer <token>`), its signature. */
function tokenForms(token: string): string[] {
  const cached = formsCache.get(token);
  if (cached) return cached;
  const forms = [token, `bearer ${token}`, `Bearer ${token}`].flatMap((text) => [
    Buffer.from(text).toString("base64").replace(/=+$/, ""),
    Buffer.from(text).toString("base64url"),
  ]);
  const signature = token.split(".")[2];
  const all = [token, ...forms, ...(signature && signature.length >= 16 ? [signature] : [])].map((f) =>
    f.toLowerCase(),
  );
  formsCache.clear();
  formsCache.set(token, all);
  return all;
}
const formsCache = new Map<string, string[]>();

/** The header carries the token in any form: any case, base64 or base64url (with or without "Bearer "). */
export function carriesToken(text: string, token: string): boolean {
  if (token.length === 0) return false;
  const lower = text.toLowerCase();
  for (const form of tokenForms(token)) if (lower.includes(form)) return true;
  return false;
}

/** The answer's headers for the program: hop-by-hop removed, and any header that carries the token dropped. */
export function downstreamHeaders(
  incoming: IncomingHttpHeaders,
  token: string,
): Record<string, string | string[]> {
  const headers = withoutHopByHop(incoming, NONE);
  // One look over all the header text first: the token is almost never there, then nothing more is done.
  let all = "";
  for (const name in headers) {
    const value = headers[name] as string | string[];
    all += `${name}\n${Array.isArray(value) ? value.join("\n") : value}\n`;
  }
  if (!carriesToken(all, token)) return headers;
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join("\n") : value;
    if (carriesToken(name, token) || carriesToken(text, token)) delete headers[name];
  }
  return headers;
}
