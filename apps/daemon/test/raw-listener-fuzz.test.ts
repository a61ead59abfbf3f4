import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import {
  type ChunkedResult,
  type ChunkedState,
  decodeChunked,
  type HeadResult,
  parseHead,
} from "../src/http/proxy/http1-parse.js";
import type { ProxyExchange } from "../src/http/proxy/proxy-exchange.js";
import { listenBunRaw } from "../src/http/proxy/raw-listener.js";
import { answers, BODY_MAX, converse, type Forwarded, model, pipeline } from "./support/fuzz-conversation.js";
import { chunkedCase, int, mutate, pick, rng, valid } from "./support/http1-fuzz.js";

/**
 * Adversarial, deterministic (seeded) tests of the proxy's own HTTP/1.1 front: the parser's properties on mutated
 * requests, then real sockets through the raw listener with a counting handler standing in for Upstox.
 */

/** FUZZ_SEED=n runs other cases (the default, 0, is what CI runs); a failure prints the bytes that failed. */
const SEED = Number(process.env.FUZZ_SEED ?? 0);
const PARSER_CASES = 2_000;
const CHUNKED_CASES = 1_000;

const fresh = (): ChunkedState => ({ pos: 0, size: 0, parts: [], trailers: false, extra: 0 });
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
  for (let n = 0; n <= buf.length; n += 1 + int(r, 7) + Math.floor(buf.length / 2_000)) {
    last = decodeChunked(buf.subarray(0, n), state, max);
    if (last.kind !== "incomplete") break;
    const alone = decodeChunked(buf.subarray(0, n), fresh(), max);
    if (alone.kind !== "incomplete" && !sameChunked(alone, whole))
      throw new Error(`prefix ${n} gave ${JSON.stringify(alone)}: ${JSON.stringify(buf.toString("latin1"))}`);
  }
  if (last.kind === "incomplete") last = decodeChunked(buf, state, max);
  // Extensions and trailers are dropped as read: what they may hold of the buffer is capped.
  expect(state.extra).toBeLessThanOrEqual(16 * 1024);
  if (!sameChunked(last, whole)) {
    throw new Error(
      `fed in steps: ${JSON.stringify(last)}, whole: ${JSON.stringify(whole)}: ${JSON.stringify(buf.toString("latin1").slice(0, 300))}`,
    );
  }
  return whole;
}

describe("fuzz: the HTTP/1.1 parser", () => {
  test(`${PARSER_CASES} mutated requests: never throws, consistent in any split, one framing`, () => {
    const r = rng(0x5eed ^ SEED);
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
    const r = rng(7 ^ SEED);
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
    const r = rng(0xc4a ^ SEED);
    const kinds = { incomplete: 0, refused: 0, done: 0 };
    for (let i = 0; i < CHUNKED_CASES; i++) {
      const result = checkChunked(bytes(chunkedCase(r)), pick(r, [0, 1, 16, 100, 1024]), r);
      kinds[result.kind]++;
    }
    expect(kinds.done).toBeGreaterThan(50);
    expect(kinds.refused).toBeGreaterThan(50);
  });

  test("a flood of trailers or chunk extensions is refused, whole or split, far below what it would hold", () => {
    const r = rng(3);
    const trailers = bytes(`1\r\nx\r\n0\r\n${"X-T: 1\r\n".repeat(100_000)}\r\n`);
    const t = checkChunked(trailers, 100, r);
    expect(t.kind === "refused" && t.error).toBe("chunk extensions or trailers too large");
    const exts = bytes(`${`1;${"e".repeat(4000)}\r\nx\r\n`.repeat(50)}0\r\n\r\n`);
    expect(checkChunked(exts, 1024, r)).toMatchObject({ kind: "refused", status: 400 });
    const fine = bytes(`${`1;${"e".repeat(4000)}\r\nx\r\n`.repeat(4)}0\r\nX-T: 1\r\n\r\n`);
    expect(checkChunked(fine, 1024, r)).toMatchObject({ kind: "done" });
  });

  test("the 431 edge: a head of exactly the limit is accepted whole and in every split; empty lines count", () => {
    const text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const max = text.length - 4;
    expect(checkHead(bytes(text), max).kind).toBe("head");
    expect(checkHead(bytes(text), max - 1).kind).toBe("refused");
    // Empty lines before a request count: without end they would grow the buffer until the head's deadline.
    expect(parseHead(bytes("\r\n".repeat(10_000)), 16 * 1024)).toMatchObject({
      kind: "refused",
      status: 431,
    });
    expect(checkHead(bytes(`${"\r\n".repeat(20)}${text}`), 16 * 1024).kind).toBe("head");
  });

  test("the chunk-line edge: a size line of 4096 bytes is the same whole and split", () => {
    const line = `1;${"e".repeat(4094)}`;
    const buf = bytes(`${line}\r\nx\r\n0\r\n\r\n`);
    const r = rng(1);
    expect(checkChunked(buf, 100, r).kind).toBe("done");
    expect(checkChunked(bytes(`1;${"e".repeat(4095)}\r\nx\r\n0\r\n\r\n`), 100, r).kind).toBe("refused");
  });
});

const SOCKET_CASES = 200;
const noop = () => {};
const quiet = { debug: noop, info: noop, warn: noop, error: noop };
const HANG_MS = 5_000;

describe("fuzz: the proxy's HTTP/1.1 front on real sockets", () => {
  test(`${SOCKET_CASES} connections of pipelined valid and mutated requests in random pieces`, async () => {
    const r = rng(0xb0d1 ^ SEED);
    const forwarded: Forwarded[] = [];
    let pending = 0;
    let settled: (() => void) | undefined;
    const handle = async (ex: ProxyExchange) => {
      pending++;
      try {
        const body = await ex.readBody(BODY_MAX);
        // Now and then a turn of the event loop, as a call to Upstox takes: pipelined bytes pile up meanwhile.
        if (r() < 0.3) await new Promise((resolve) => setTimeout(resolve, int(r, 3)));
        if (!body.ok)
          return { kind: "json" as const, status: body.status, body: { error: body.error }, close: true };
        const seen = {
          method: ex.method,
          target: ex.target,
          id: ex.headers["x-id"] as string | undefined,
          body: body.body.toString("latin1"),
        };
        forwarded.push(seen);
        return { kind: "json" as const, status: 200, body: { id: seen.id ?? null } };
      } finally {
        pending--;
        if (pending === 0) settled?.();
      }
    };
    const listener = await listenBunRaw("127.0.0.1", 0, handle, noop, quiet, { requestMs: 3_000 });
    const port = Number(new URL(listener.url).port);
    const totals = { requests: 0, forwarded: 0, refused: 0, ambiguous: 0, mutated: 0 };
    try {
      for (let c = 0; c < SOCKET_CASES; c++) {
        const { sent, text } = pipeline(r, `c${c}`);
        const buf = bytes(text);
        const want = model(buf);
        const { expected, methods } = want;
        forwarded.length = 0;

        const { received, hung } = await converse(port, buf, r, want, HANG_MS);
        if (pending > 0) await new Promise<void>((resolve) => (settled = resolve));
        settled = undefined;

        const where = `case ${c}: ${JSON.stringify(text)}`;
        if (hung) throw new Error(`no close within ${HANG_MS} ms, ${where}`);
        // What reached "Upstox" is exactly what the client framed, in order, nothing after a refusal.
        if (JSON.stringify(forwarded) !== JSON.stringify(want.forwarded))
          throw new Error(
            `forwarded ${JSON.stringify(forwarded)}, framed ${JSON.stringify(want.forwarded)}, ${where}`,
          );
        // Independent of the model: each id at most once, in the order written; nothing from an ambiguous request on.
        const ids = forwarded.map((f) => f.id);
        const order = sent.map((s) => s.id);
        const known = ids.filter((id) => id !== undefined && order.includes(id)) as string[];
        expect(new Set(known).size).toBe(known.length);
        const idx = known.map((id) => order.indexOf(id));
        expect(idx).toEqual([...idx].sort((a, b) => a - b));
        const firstAmbiguous = sent.findIndex((s) => s.ambiguous);
        if (firstAmbiguous >= 0)
          for (const i of idx)
            if (i >= firstAmbiguous) throw new Error(`forwarded past an ambiguous request, ${where}`);
        // Liveness: the untouched requests before the first mutation all go through (up to an HTTP/1.0 one).
        for (const s of sent) {
          if (s.mutated) break;
          expect(known).toContain(s.id);
          if (s.http10) break;
        }
        // The answers: one per forwarded request, in order, then the refusal (with a close) if there was one.
        const got = answers(received, methods);
        expect(got.length).toBe(expected);
        want.forwarded.forEach((f, i) => {
          expect(got[i]?.status).toBe(200);
          expect(JSON.parse(Buffer.from(got[i]?.body ?? "{}", "latin1").toString("utf8")).id).toBe(
            f.id ?? null,
          );
        });
        if (want.refused) {
          expect(got[expected - 1]?.status).toBe(want.refused);
          expect(got[expected - 1]?.close).toBe(true);
        }
        totals.requests += sent.length;
        totals.forwarded += forwarded.length;
        totals.refused += want.refused ? 1 : 0;
        totals.ambiguous += sent.filter((s) => s.ambiguous).length;
        totals.mutated += sent.filter((s) => s.mutated).length;
      }
      // The server is still up and well after all of it.
      const after = await fetch(`${listener.url}/still`, { headers: { "x-id": "after" } });
      expect(await after.json()).toEqual({ id: "after" });
    } finally {
      await listener.close();
    }
    expect(totals.refused).toBeGreaterThan(20);
    expect(totals.ambiguous).toBeGreaterThan(10);
    expect(totals.forwarded).toBeGreaterThan(SOCKET_CASES);
    console.log("socket fuzz totals", totals);
  }, 30_000);

  test("a trailer flood on a socket is a 400 and a close long before the body's deadline, nothing forwarded", async () => {
    let forwarded = 0;
    const listener = await listenBunRaw(
      "127.0.0.1",
      0,
      async (ex) => {
        const body = await ex.readBody(BODY_MAX);
        if (body.ok) forwarded++;
        return body.ok
          ? { kind: "json" as const, status: 200, body: {} }
          : { kind: "json" as const, status: body.status, body: { error: body.error }, close: true };
      },
      noop,
      quiet,
      { requestMs: 20_000 },
    );
    const started = Date.now();
    const port = Number(new URL(listener.url).port);
    const out = await new Promise<string>((resolve) => {
      let text = "";
      const socket = connect(port, "127.0.0.1", async () => {
        socket.write("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n");
        for (let i = 0; i < 200 && !socket.destroyed && text === ""; i++) {
          socket.write("X-T: 1\r\n".repeat(1_000));
          await new Promise((r) => setImmediate(r));
        }
      });
      socket.on("data", (d) => {
        text += d.toString("latin1");
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(text));
    });
    await listener.close();
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toMatch(/connection: close/i);
    expect(forwarded).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
