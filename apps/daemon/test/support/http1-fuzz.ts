/** Seeded generators for the HTTP/1.1 front's fuzz test (raw-listener-fuzz.test.ts): requests and their mutations. */

export type Rng = () => number;

/** mulberry32: a small seeded PRNG, so every run sees the same cases. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

const BODY_CHARS = 'abcxyz0123{}":,';
const body = (r: Rng, n: number) => Array.from({ length: n }, () => pick(r, [...BODY_CHARS])).join("");

/** A chunked body for `data`: random chunk sizes, sometimes extensions, leading zeros and trailers. */
export function chunked(r: Rng, data: string): string {
  let out = "";
  let i = 0;
  while (i < data.length) {
    const n = 1 + int(r, data.length - i);
    const size = n.toString(16);
    const sizeText = r() < 0.2 ? `00${size}` : r() < 0.5 ? size.toUpperCase() : size;
    const ext = r() < 0.2 ? pick(r, [";a=1", " ;x", ';q="v"', ";", "\t;e"]) : "";
    out += `${sizeText}${ext}\r\n${data.slice(i, i + n)}\r\n`;
    i += n;
  }
  const trailer = r() < 0.2 ? pick(r, ["X-T: 1\r\n", "X-Sum: abc\r\nX-U: \r\n"]) : "";
  return `${out}${r() < 0.1 ? "000" : "0"}\r\n${trailer}\r\n`;
}

export interface Generated {
  id: string;
  text: string;
  /** A mutation was applied whose result is refused by any strict parser: ambiguous framing. */
  ambiguous: boolean;
  mutated: boolean;
}

/** Where the requests go when not to the bare listener: the real proxy wants its paths and a loopback Host. */
export interface Target {
  path: string;
  idHeader: string;
  host: string;
}

/** A valid request carrying `x-id: id`: GET, POST with Content-Length, POST chunked, or HTTP/1.0. */
export function valid(r: Rng, id: string, to?: Target): string {
  const text = request(r, id);
  return to
    ? text
        .replace(/ \/\S* HTTP/, ` ${to.path} HTTP`)
        .replace(/\r\nx-id: /, `\r\n${to.idHeader}: `)
        .replace(/\r\nHost: a\r\n/, `\r\nHost: ${to.host}\r\n`)
    : text;
}

function request(r: Rng, id: string): string {
  const kind = int(r, 4);
  const extra = r() < 0.3 ? "Accept: */*\r\nX-Multi: 1\r\nx-multi: 2\r\n" : "";
  const lead = r() < 0.05 ? "\r\n" : "";
  if (kind === 0) return `${lead}GET /v2/q?i=${id} HTTP/1.1\r\nHost: a\r\nx-id: ${id}\r\n${extra}\r\n`;
  if (kind === 3) return `${lead}GET /old HTTP/1.0\r\nHost: a\r\nx-id: ${id}\r\n${extra}\r\n`;
  const data = body(r, 1 + int(r, 40));
  if (kind === 1) {
    const cl = r() < 0.1 ? `00${data.length}` : `${data.length}`;
    return `${lead}POST /o HTTP/1.1\r\nHost: a\r\nx-id: ${id}\r\nContent-Length: ${cl}\r\n${extra}\r\n${data}`;
  }
  return `${lead}POST /o HTTP/1.1\r\nHost: a\r\nx-id: ${id}\r\nTransfer-Encoding: chunked\r\n${extra}\r\n${chunked(r, data)}`;
}

/** Header lines that make framing ambiguous: every strict parser must refuse the request. */
const AMBIGUOUS = [
  "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
  "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
  "Content-Length: 3\r\nContent-Length: 3\r\n",
  "Content-Length: 3\r\ncontent-length: 4\r\n",
  "Content-Length: 3, 3\r\n",
  "Content-Length: -1\r\n",
  "Content-Length: +3\r\n",
  "Content-Length: 0x10\r\n",
  "Content-Length: 3 3\r\n",
  "Content-Length: 99999999999999999999\r\n",
  "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
  "Transfer-Encoding: chunked, chunked\r\n",
  "Transfer-Encoding: gzip, chunked\r\n",
  "Transfer-Encoding: xchunked\r\n",
  "Transfer-Encoding : chunked\r\n",
  "Transfer-Encoding:\x0bchunked\r\n",
  "Transfer-Encoding: chunked\r\n\tx\r\n",
  " Transfer-Encoding: chunked\r\n",
  "Content-Length\r\n",
  "Content-Length: 3\n",
  "X: a\rTransfer-Encoding: chunked\r\n",
  "X: a\nContent-Length: 3\r\n",
  "Content-Length: 3\x00\r\n",
  "Host: b\r\n",
];

/** Everything else worth trying in a head or a body; the outcome depends on where it lands. */
const SNIPPETS = [
  "\r",
  "\n",
  "\r\n",
  "\r\n\r\n",
  "\x00",
  " ",
  "\t",
  ":",
  ";",
  ",",
  "0",
  "f",
  "-",
  "ffffffffff\r\n",
  "ffffffff\r\n",
  "000000001\r\n",
  "0\r\n\r\n",
  '1;ext="x"\r\nz\r\n',
  "Expect: 100-continue\r\n",
  "Expect: nope\r\n",
  "Connection: close\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Content-Length: 5\r\n",
  "\r\n  folded\r\n",
  "GET / HTTP/1.1\r\n\r\n",
  "\xff",
];

/** One random mutation of `text` (insert, delete, replace, a header spliced into the head). */
export function mutate(r: Rng, text: string): { text: string; ambiguous: boolean } {
  const at = int(r, text.length + 1);
  const op = int(r, 6);
  if (op === 0) {
    const headEnd = text.indexOf("\r\n\r\n");
    const lineStart = text.indexOf("\r\n") + 2;
    if (headEnd > 0 && lineStart > 1) {
      // Spliced right after the request line: nothing else can make it valid again.
      const line = pick(r, AMBIGUOUS);
      return { text: text.slice(0, lineStart) + line + text.slice(lineStart), ambiguous: true };
    }
  }
  if (op === 1) return { text: text.slice(0, at) + text.slice(at + 1 + int(r, 3)), ambiguous: false };
  if (op === 2)
    return {
      text: text.slice(0, at) + String.fromCharCode(int(r, 256)) + text.slice(at + 1),
      ambiguous: false,
    };
  return { text: text.slice(0, at) + pick(r, SNIPPETS) + text.slice(at), ambiguous: false };
}

/** Chunk-size lines and bodies aimed at the chunked decoder's edges. */
export function chunkedCase(r: Rng): string {
  const sizes = [
    "ffffffffff",
    "ffffffff",
    "7fffffff",
    "00000001",
    "000000001",
    "1",
    "0",
    "00",
    "-1",
    "+1",
    "0x1",
    " 1",
    "1 ",
    "1\t;x",
    "1;",
    "1;a=b;c",
    `1;${"e".repeat(4090 + int(r, 12))}`,
    "",
    "g",
    "1e",
  ];
  let out = "";
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const size = pick(r, sizes);
    const m = /^[0-9a-fA-F]+/.exec(size.trim());
    const len = m ? Math.min(Number.parseInt(m[0], 16), 50) : int(r, 5);
    out += `${size}\r\n${"d".repeat(len)}${r() < 0.9 ? "\r\n" : pick(r, ["\n", "\r", "", "x\r\n"])}`;
  }
  out += pick(r, [
    "0\r\n\r\n",
    "0\r\nX: 1\r\n\r\n",
    `0\r\nX: ${"t".repeat(4085 + int(r, 12))}\r\n\r\n`,
    "0\r\nbad trailer\r\n\r\n",
    "0\r\n",
    "0\r\n\r",
    "",
  ]);
  return r() < 0.3 ? mutate(r, out).text : out;
}
