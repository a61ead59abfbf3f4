import { describe, expect, test } from "bun:test";
import {
  type ChunkedResult,
  type ChunkedState,
  decodeChunked,
  type HeadResult,
  parseHead,
} from "../src/http/proxy/http1-parse.js";
import { chunkedCase, int, mutate, pick, rng, valid } from "./support/http1-fuzz.js";

/**
 * Adversarial, deterministic (seeded) tests of the proxy's own HTTP/1.1 front: the parser's properties on mutated
 * requests, then real sockets through the raw listener with a counting handler standing in for Upstox.
 */

const PARSER_CASES = 2_000;
const CHUNKED_CASES = 1_000;

const fresh = (): ChunkedState => ({ pos: 0, size: 0, parts: [], trailers: false });
const bytes = (text: string) => Buffer.from(text, "latin1");

/** The same outcome: the same head (or the same refusal status), nothing else. */
function sameHead(a: HeadResult, b: HeadResult): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "refused" && b.kind === "refused") return a.status === b.status;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a head's own bytes say about framing, counted without the parser: raw lines naming CL or TE. */
function rawFraming(buf: Buffer, size: number) {
  const lines = buf.toString("latin1", 0, size).split("\r\n");
  return {
    cl: lines.filter((l) => /^content-length:/i.test(l)),
    te: lines.filter((l) => /^transfer-encoding:/i.test(l)),
    bad: lines.some((l) => /[\r\n\0]/.test(l)),
  };
}

function checkHead(buf: Buffer, max: number): HeadResult {
  const whole = parseHead(buf, max);
  expect(["incomplete", "refused", "head"]).toContain(whole.kind);
  // Incremental consistency: every prefix is incomplete, or already the whole's outcome.
  for (let n = 0; n <= buf.length; n++) {
    const part = parseHead(buf.subarray(0, n), max);
    if (part.kind === "incomplete") continue;
    if (!sameHead(part, whole)) {
      throw new Error(
        `prefix ${n}/${buf.length} gave ${JSON.stringify(part)}, whole gave ${JSON.stringify(whole)}: ${JSON.stringify(buf.toString("latin1"))}`,
      );
    }
  }
  if (whole.kind === "refused") expect([400, 417, 431, 501]).toContain(whole.status);
  if (whole.kind !== "head") return whole;
  const { head } = whole;
  expect(head.size).toBeLessThanOrEqual(buf.length);
  expect(buf.toString("latin1", head.size - 4, head.size)).toBe("\r\n\r\n");
  // Exactly one framing, and the one the bytes say.
  const raw = rawFraming(buf, head.size);
  expect(raw.bad).toBe(false);
  expect(raw.cl.length + raw.te.length).toBeLessThanOrEqual(1);
  const f = head.framing;
  if (raw.te.length === 1) {
    expect(f.kind).toBe("chunked");
    expect(head.http10).toBe(false);
    expect(head.headers["content-length"]).toBeUndefined();
  } else if (raw.cl.length === 1) {
    const declared = Number(head.headers["content-length"]);
    expect(Number.isSafeInteger(declared) && declared >= 0).toBe(true);
    expect(f).toEqual(declared === 0 ? { kind: "none" } : { kind: "length", length: declared });
  } else {
    expect(f.kind).toBe("none");
  }
  return whole;
}

function sameChunked(a: ChunkedResult, b: ChunkedResult): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "refused" && b.kind === "refused") return a.status === b.status;
  if (a.kind === "done" && b.kind === "done") return a.end === b.end && a.body.equals(b.body);
  return true;
}

function checkChunked(buf: Buffer, max: number, r: () => number): ChunkedResult {
  const whole = decodeChunked(buf, fresh(), max);
  if (whole.kind === "done") {
    expect(whole.body.length).toBeLessThanOrEqual(max);
    expect(whole.end).toBeLessThanOrEqual(buf.length);
  }
  // As the listener feeds it: one state, the buffer growing in random steps; and a fresh state per prefix.
  const state = fresh();
  let last: ChunkedResult = { kind: "incomplete" };
  for (let n = 0; n <= buf.length; n += 1 + int(r, 7)) {
    last = decodeChunked(buf.subarray(0, n), state, max);
    if (last.kind !== "incomplete") break;
    const alone = decodeChunked(buf.subarray(0, n), fresh(), max);
    if (alone.kind !== "incomplete" && !sameChunked(alone, whole))
      throw new Error(`prefix ${n} gave ${JSON.stringify(alone)}: ${JSON.stringify(buf.toString("latin1"))}`);
  }
  if (last.kind === "incomplete") last = decodeChunked(buf, state, max);
  if (!sameChunked(last, whole)) {
    throw new Error(
      `fed in steps: ${JSON.stringify(last)}, whole: ${JSON.stringify(whole)}: ${JSON.stringify(buf.toString("latin1").slice(0, 300))}`,
    );
  }
  return whole;
}

describe("fuzz: the HTTP/1.1 parser", () => {
  test(`${PARSER_CASES} mutated requests: never throws, consistent in any split, one framing`, () => {
    const r = rng(0x5eed);
    const kinds = { incomplete: 0, refused: 0, head: 0, bodies: 0 };
    for (let i = 0; i < PARSER_CASES; i++) {
      let text = valid(r, `p${i}`);
      const mutations = i % 5 === 0 ? 0 : 1 + int(r, 3);
      for (let m = 0; m < mutations; m++) text = mutate(r, text).text;
      if (r() < 0.2) text += valid(r, `q${i}`);
      // A small limit now and then, to walk the 431 edge.
      const max = r() < 0.3 ? 20 + int(r, 120) : 16 * 1024;
      const buf = bytes(text);
      const result = checkHead(buf, max);
      kinds[result.kind]++;
      if (result.kind === "head" && result.head.framing.kind === "chunked") {
        checkChunked(buf.subarray(result.head.size), pick(r, [8, 64, 1024]), r);
        kinds.bodies++;
      }
    }
    // Each outcome is reached, so the generator is not trivially all-refused or all-accepted.
    expect(kinds.head).toBeGreaterThan(PARSER_CASES / 5);
    expect(kinds.refused).toBeGreaterThan(PARSER_CASES / 5);
    expect(kinds.incomplete).toBeGreaterThan(10);
    expect(kinds.bodies).toBeGreaterThan(50);
  });

  test("every ambiguous framing spliced into a valid head is refused", () => {
    const r = rng(7);
    let n = 0;
    for (let i = 0; i < 400; i++) {
      const m = mutate(r, valid(r, `a${i}`));
      if (!m.ambiguous) continue;
      n++;
      const result = parseHead(bytes(m.text), 16 * 1024);
      if (result.kind !== "refused") throw new Error(`accepted: ${JSON.stringify(m.text)}`);
    }
    expect(n).toBeGreaterThan(40);
  });

  test(`${CHUNKED_CASES} chunked bodies at the decoder's edges: never throws, never over the cap, split-consistent`, () => {
    const r = rng(0xc4a);
    const kinds = { incomplete: 0, refused: 0, done: 0 };
    for (let i = 0; i < CHUNKED_CASES; i++) {
      const result = checkChunked(bytes(chunkedCase(r)), pick(r, [0, 1, 16, 100, 1024]), r);
      kinds[result.kind]++;
    }
    expect(kinds.done).toBeGreaterThan(50);
    expect(kinds.refused).toBeGreaterThan(50);
  });

  test("the 431 edge: a head of exactly the limit is accepted whole and in every split", () => {
    const text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const max = text.length - 4;
    expect(checkHead(bytes(text), max).kind).toBe("head");
    expect(checkHead(bytes(text), max - 1).kind).toBe("refused");
  });

  test("the chunk-line edge: a size line of 4096 bytes is the same whole and split", () => {
    const line = `1;${"e".repeat(4094)}`;
    const buf = bytes(`${line}\r\nx\r\n0\r\n\r\n`);
    const r = rng(1);
    expect(checkChunked(buf, 100, r).kind).toBe("done");
    expect(checkChunked(bytes(`1;${"e".repeat(4095)}\r\nx\r\n0\r\n\r\n`), 100, r).kind).toBe("refused");
  });
});
