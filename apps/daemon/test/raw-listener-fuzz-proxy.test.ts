import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { type FaultyUpstream, startFaultyUpstream } from "./support/faulty-upstream.js";
import { converse, model, pipeline } from "./support/fuzz-conversation.js";
import { rng } from "./support/http1-fuzz.js";
import { type ProxiedDaemon, startProxiedDaemon } from "./support/proxied-daemon.js";

/**
 * The smuggling property end to end: pipelined, mutated requests in random pieces into the real proxy (default
 * server kind, raw under Bun), a counting stand-in for Upstox behind it. What arrives upstream is counted by the
 * id the client wrote, and compared with what the client framed.
 */

const CASES = 200;
const SEED = Number(process.env.FUZZ_SEED ?? 0);
const HANG_MS = 8_000;

let emulator: Emulator;
let upstream: FaultyUpstream;
let proxied: ProxiedDaemon;

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
  upstream = await startFaultyUpstream();
  proxied = await startProxiedDaemon(emulator, {
    proxy: { upstreams: { "/v2/order/": upstream.url }, upstreamTimeoutMs: 5_000 },
  });
});
afterAll(async () => {
  await proxied?.stop();
  await upstream?.close();
  await emulator?.close();
});

describe("fuzz: the real proxy never forwards what the client did not frame", () => {
  test(`${CASES} connections: each request upstream at most once, none past a refusal or an ambiguous framing`, async () => {
    const r = rng(0x9e0 ^ SEED);
    const port = Number(new URL(proxied.proxyUrl).port);
    const totals = { requests: 0, upstream: 0, refused: 0, ambiguous: 0 };
    for (let c = 0; c < CASES; c++) {
      const { sent, text } = pipeline(r, `f${c}`, {
        path: "/v2/order/place",
        idHeader: "x-req-id",
        host: "127.0.0.1",
      });
      const buf = Buffer.from(text, "latin1");
      const want = model(buf, "x-req-id");
      const { hung, received } = await converse(port, buf, r, want, HANG_MS);
      if (process.env.FUZZ_DEBUG) console.log(JSON.stringify(text), JSON.stringify(received.slice(0, 600)));
      const where = `case ${c}: ${JSON.stringify(text)}`;
      if (hung) throw new Error(`no close within ${HANG_MS} ms, ${where}`);
      const framed = new Set(want.forwarded.map((f) => f.id));
      const firstAmbiguous = sent.findIndex((s) => s.ambiguous);
      sent.forEach((s, i) => {
        const n = upstream.counts.get(s.id) ?? 0;
        if (n > 1) throw new Error(`${s.id} reached upstream ${n} times, ${where}`);
        // Upstream sees only what the client framed as a whole request, nothing from an ambiguous one on.
        if (n === 1 && !framed.has(s.id)) throw new Error(`${s.id} was not framed by the client, ${where}`);
        if (n === 1 && firstAmbiguous >= 0 && i >= firstAmbiguous)
          throw new Error(`${s.id} forwarded past an ambiguous request, ${where}`);
        totals.upstream += n;
      });
      // The untouched requests before the first mutation go through (up to an HTTP/1.0 one, which closes).
      for (const s of sent) {
        if (s.mutated) break;
        expect(upstream.counts.get(s.id) ?? 0).toBe(1);
        if (s.http10) break;
      }
      totals.requests += sent.length;
      totals.refused += want.refused ? 1 : 0;
      totals.ambiguous += sent.filter((s) => s.ambiguous).length;
    }
    expect(totals.upstream).toBeGreaterThan(CASES / 2);
    expect(totals.ambiguous).toBeGreaterThan(5);
    console.log("proxy fuzz totals", totals);
  }, 60_000);
});
