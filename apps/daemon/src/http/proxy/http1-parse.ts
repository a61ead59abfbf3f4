/**
 * A strict HTTP/1.1 request parser for the proxy's own front (raw-listener.ts): anything ambiguous is refused
 * with a 400 and the connection closed, never guessed at. No obs-fold, no bare CR or LF, no space before a colon,
 * one Content-Length and one Transfer-Encoding at most, never both, "chunked" the only coding.
 */

export type BodyFraming = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };

export interface RequestHead {
  method: string;
  target: string;
  http10: boolean;
  /** Lower-case names; repeated headers joined as node:http joins them. */
  headers: Record<string, string>;
  framing: BodyFraming;
  /** The connection may carry another request after this one. */
  keepAlive: boolean;
  expectContinue: boolean;
  /** Bytes the head took, from the start of the buffer (leading empty lines included). */
  size: number;
}

export type HeadResult =
  | { kind: "incomplete" }
  | { kind: "refused"; status: 400 | 417 | 431 | 501; error: string }
  | { kind: "head"; head: RequestHead };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([!-~]+) HTTP\/1\.([01])$/;
/** Field content: visible characters, spaces and tabs, obs-text; no CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that must not repeat: each is one value that framing or routing depends on. */
const SINGLE = new Set(["content-length", "transfer-encoding", "host"]);

const refused = (status: 400 | 417 | 431 | 501, error: string): HeadResult => ({
  kind: "refused",
  status,
  error,
});

/** Parses the request head at the start of `buf`, if it is all there. */
export function parseHead(buf: Buffer, maxHeadBytes: number): HeadResult {
  let start = 0;
  // RFC 9112 §2.2: empty lines before the request line are ignored.
  while (buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const end = buf.indexOf("\r\n\r\n", start, "latin1");
  // The limit counts from the buffer's first byte (leading empty lines too: they cannot grow the buffer without
  // end), to the head's last line. Incomplete, it is refused only once no ending could bring it within the limit
  // (the last 3 bytes may begin the CRLFCRLF): the same bytes give the same answer in one read or in many.
  if (end < 0) {
    return buf.length - 3 > maxHeadBytes ? refused(431, "request head too large") : { kind: "incomplete" };
  }
  if (end > maxHeadBytes) return refused(431, "request head too large");
  const lines = buf.toString("latin1", start, end).split("\r\n");
  const line = REQUEST_LINE.exec(lines[0] ?? "");
  if (!line) return refused(400, "malformed request line");
  const [, method = "", target = "", minor] = line;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i] as string;
    const colon = text.indexOf(":");
    if (colon <= 0) return refused(400, "malformed header line");
    const name = text.slice(0, colon);
    if (!TOKEN.test(name)) return refused(400, "malformed header name");
    const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) return refused(400, "malformed header value");
    const key = name.toLowerCase();
    const before = headers[key];
    if (before === undefined) headers[key] = value;
    else if (SINGLE.has(key)) return refused(400, `more than one ${key} header`);
    else headers[key] = `${before}${key === "cookie" ? "; " : ", "}${value}`;
  }
  const http10 = minor === "0";
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  let framing: BodyFraming = { kind: "none" };
  if (te !== undefined) {
    if (http10) return refused(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (cl !== undefined) return refused(400, "both Content-Length and Transfer-Encoding");
    if (te.toLowerCase() !== "chunked") return refused(501, "only the chunked transfer coding is served");
    framing = { kind: "chunked" };
  } else if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) return refused(400, "bad Content-Length");
    const length = Number(cl);
    if (length > 0) framing = { kind: "length", length };
  }
  const expect = headers.expect;
  if (expect !== undefined && expect.toLowerCase() !== "100-continue") {
    return refused(417, "only Expect: 100-continue is served");
  }
  const connection = (headers.connection ?? "").toLowerCase();
  const keepAlive = http10 ? false : !/(^|,)\s*close\s*(,|$)/.test(connection);
  return {
    kind: "head",
    head: {
      method,
      target,
      http10,
      headers,
      framing,
      keepAlive,
      expectContinue: expect !== undefined && !http10,
      size: end + 4,
    },
  };
}

/** Where a chunked body's decoding stands; fed again as more bytes arrive (never re-reads what it passed). */
export interface ChunkedState {
  pos: number;
  size: number;
  parts: [number, number][];
  /** In the trailer section (after the last chunk). */
  trailers: boolean;
  /** Bytes of chunk extensions and trailers so far: capped, as they are read and dropped, never body bytes. */
  extra: number;
}

export type ChunkedResult =
  | { kind: "incomplete" }
  | { kind: "refused"; status: 400 | 413; error: string }
  | { kind: "done"; body: Buffer; end: number };

const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})[ \t]*(;[\t\x20-\x7e\x80-\xff]*)?$/;
const MAX_LINE = 4096;
/** Chunk extensions and trailers together (node:http caps extensions alike): past it, a body of a few bytes could
 * hold the connection's buffer growing until the body's deadline. */
const MAX_EXTRA = 16 * 1024;
const tooMuch = { kind: "refused", status: 400, error: "chunk extensions or trailers too large" } as const;

/** Decodes a chunked body starting at `state.pos` in `buf` (its bytes from the body's first byte on). */
export function decodeChunked(buf: Buffer, state: ChunkedState, maxBytes: number): ChunkedResult {
  for (;;) {
    const eol = buf.indexOf("\r\n", state.pos, "latin1");
    if (eol < 0) {
      // A line of MAX_LINE bytes may still have its CR here and its LF to come.
      return buf.length - state.pos > MAX_LINE + 1
        ? { kind: "refused", status: 400, error: "bad chunk" }
        : { kind: "incomplete" };
    }
    const line = buf.toString("latin1", state.pos, eol);
    if (state.trailers) {
      if (line === "") {
        const body = Buffer.concat(
          state.parts.map(([a, b]) => buf.subarray(a, b)),
          state.size,
        );
        return { kind: "done", body, end: eol + 2 };
      }
      if (line.length > MAX_LINE || !FIELD_VALUE.test(line) || line.indexOf(":") <= 0) {
        return { kind: "refused", status: 400, error: "bad trailer" };
      }
      if (state.extra + line.length + 2 > MAX_EXTRA) return tooMuch;
      state.extra += line.length + 2;
      state.pos = eol + 2;
      continue;
    }
    if (line.length > MAX_LINE) return { kind: "refused", status: 400, error: "bad chunk" };
    const match = CHUNK_SIZE.exec(line);
    if (!match) return { kind: "refused", status: 400, error: "bad chunk size" };
    const size = Number.parseInt(match[1] as string, 16);
    const extra = line.length - (match[1] as string).length;
    if (state.extra + extra > MAX_EXTRA) return tooMuch;
    if (size === 0) {
      state.extra += extra;
      state.trailers = true;
      state.pos = eol + 2;
      continue;
    }
    if (state.size + size > maxBytes) {
      return { kind: "refused", status: 413, error: `request body larger than ${maxBytes} bytes` };
    }
    const dataEnd = eol + 2 + size;
    if (buf.length < dataEnd + 2) return { kind: "incomplete" };
    if (buf[dataEnd] !== 13 || buf[dataEnd + 1] !== 10)
      return { kind: "refused", status: 400, error: "bad chunk" };
    state.extra += extra;
    state.parts.push([eol + 2, dataEnd]);
    state.size += size;
    state.pos = dataEnd + 2;
  }
}
