import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { request } from "node:http";
import { connect } from "node:net";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import type { ProxyServerKind } from "../src/http/proxy/proxy-server.js";
import { FAULTS, type FaultyUpstream, startFaultyUpstream } from "./support/faulty-upstream.js";
import { type ProxiedDaemon, startProxiedDaemon } from "./support/proxied-daemon.js";

let emulator: Emulator;
let upstream: FaultyUpstream;
let running: ProxiedDaemon | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await upstream?.close();
  emulator.clearFaults();
});

const METHODS = ["POST", "PUT", "DELETE", "PATCH"] as const;
/** One row per server kind, fault and method: how often the upstream saw each request, and what came back. */
const table: { kind: string; fault: string; method: string; sent: number; dup: number; answers: string }[] =
  [];

async function start(kind: ProxyServerKind, options: { login?: boolean } = {}): Promise<ProxiedDaemon> {
  upstream = await startFaultyUpstream();
  running = await startProxiedDaemon(emulator, {
    server: kind,
    proxy: { upstreams: { "/v2/order/": upstream.url }, upstreamTimeoutMs: 5_000 },
    ...options,
  });
  return running;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !check(); i++) await Bun.sleep(5);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** A request to the proxy; "gone" when the connection failed, as a program would see it. */
async function order(proxied: ProxiedDaemon, method: string, id: string, signal?: AbortSignal) {
  try {
    const response = await fetch(`${proxied.proxyUrl}/v2/order/place`, {
      method,
      headers: { "x-req-id": id, "content-type": "application/json" },
      body: method === "GET" ? undefined : '{"quantity":1}',
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    return { status: response.status, outcome: response.headers.get("x-upstox-token-proxy"), text };
  } catch {
    return { status: 0, outcome: null, text: "" };
  }
}

describe("what Bun's own clients do on a broken connection (measured here, the reason for the design)", () => {
  test("node:http on a fresh connection never re-sends; Bun's pooled fetch re-sends PUT and DELETE", async () => {
    upstream = await startFaultyUpstream();
    const pooled: Record<string, number> = {};
    const fresh: Record<string, number> = {};
    let n = 0;
    for (const method of METHODS) {
      pooled[method] = 0;
      fresh[method] = 0;
      for (let i = 0; i < 3; i++) {
        upstream.fault = "ok";
        await fetch(`${upstream.url}/warm`).then((r) => r.text());
        upstream.fault = "rst-on-reuse";
        const a = `m${n++}`;
        await fetch(`${upstream.url}/x`, { method, headers: { "x-req-id": a }, body: "{}" }).catch(() => {});
        if ((upstream.counts.get(a) ?? 0) > 1) pooled[method]++;
        upstream.fault = "rst-after-request";
        const b = `m${n++}`;
        await new Promise<void>((resolve) => {
          const req = request(`${upstream.url}/x`, {
            method,
            agent: false,
            headers: { "x-req-id": b, "content-length": 2 },
          });
          req.on("error", () => resolve());
          req.on("response", (res) => res.resume().on("end", resolve));
          req.end("{}");
        });
        if ((upstream.counts.get(b) ?? 0) > 1) fresh[method]++;
      }
    }
    console.log(
      `re-sent (of 3): pooled fetch ${JSON.stringify(pooled)}; node:http fresh ${JSON.stringify(fresh)}`,
    );
    expect(Object.values(fresh).every((v) => v === 0)).toBe(true);
  });
});

for (const kind of ["raw", "node", "node-http", "bun"] as const) {
  describe(`proxy on ${kind}: a mutation is sent at most once`, () => {
    test("POST, PUT, DELETE, PATCH under every connection fault reach the upstream exactly once", async () => {
      const proxied = await start(kind);
      let n = 0;
      for (const fault of FAULTS) {
        for (const method of METHODS) {
          let sent = 0;
          let dup = 0;
          const answers = new Set<string>();
          for (let i = 0; i < 3; i++) {
            // A kept-alive GET first, so a pooled connection is there to be reused (and broken).
            upstream.fault = "ok";
            expect((await order(proxied, "GET", `w${kind}${n++}`)).status).toBe(200);
            upstream.fault = fault;
            const id = `${kind}-${fault}-${method}-${i}`;
            const answer = await order(proxied, method, id);
            upstream.fault = "ok";
            const seen = upstream.counts.get(id) ?? 0;
            if (seen >= 1) sent++;
            if (seen > 1) dup++;
            answers.add(answer.status === 200 ? "200" : `${answer.status} ${answer.outcome}`);
            // The upstream got it: the program is never told "not sent".
            expect(seen).toBe(1);
            if (answer.status !== 200) {
              expect(answer.outcome).toBe("sent-answer-lost");
              expect(JSON.parse(answer.text).errors[0].error_code).toBe("PROXY_ANSWER_LOST");
            }
          }
          table.push({ kind, fault, method, sent, dup, answers: [...answers].join(", ") });
        }
      }
      if (kind === "bun") {
        console.log("| server | fault | method | received (of 3) | duplicates | answers |");
        console.log("| --- | --- | --- | --- | --- | --- |");
        for (const r of table) {
          console.log(`| ${r.kind} | ${r.fault} | ${r.method} | ${r.sent} | ${r.dup} | ${r.answers} |`);
        }
      }
      expect(table.filter((r) => r.kind === kind).every((r) => r.dup === 0)).toBe(true);
    }, 60_000);

    test("an upstream that cannot be reached: 502 PROXY_NOT_SENT, not-sent", async () => {
      const proxied = await start(kind);
      await upstream.close();
      const answer = await order(proxied, "POST", "refused");
      expect(answer.status).toBe(502);
      expect(answer.outcome).toBe("not-sent");
      expect(JSON.parse(answer.text).errors[0].error_code).toBe("PROXY_NOT_SENT");
    });

    test("a program that leaves while its order is in flight: the send is cut, never repeated", async () => {
      const proxied = await start(kind);
      upstream.fault = "hold";
      const leave = new AbortController();
      const pending = order(proxied, "POST", "held", leave.signal);
      await until("the order to arrive", () => upstream.counts.get("held") === 1);
      const closedBefore = upstream.closedByPeer;
      leave.abort();
      await pending;
      await until("the proxy to drop its upstream connection", () => upstream.closedByPeer > closedBefore);
      expect(upstream.counts.get("held")).toBe(1);
    });

    test("during the first login: an order gets 503 not-sent at once and never arrives; a GET waits; a GET whose program gave up is never sent", async () => {
      const proxied = await start(kind, { login: false });
      // The login's last step is held back, so the token arrives only when the test lets it.
      emulator.inject({ path: /otp-totp\/verify$/, delayMs: 1_500, count: 1 });
      const started = new Promise<void>((resolve) =>
        proxied.daemon.events.on((event) => {
          if (event.type === "refreshing") resolve();
        }),
      );
      const cycle = proxied.daemon.runOnce();
      await started;
      const t0 = performance.now();
      const early = await order(proxied, "POST", "early-order");
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(early.status).toBe(503);
      expect(early.outcome).toBe("not-sent");
      expect(JSON.parse(early.text).errors[0].error_code).toBe("PROXY_NOT_SENT");
      const gaveUp = order(proxied, "GET", "gave-up", AbortSignal.timeout(200));
      const waiting = order(proxied, "GET", "waits");
      expect((await gaveUp).status).toBe(0);
      expect((await waiting).status).toBe(200);
      await cycle;
      // After the token arrived: a later request goes through, and the two above never did.
      expect((await order(proxied, "POST", "later-order")).status).toBe(200);
      expect(upstream.counts.get("early-order")).toBeUndefined();
      expect(upstream.counts.get("gave-up")).toBeUndefined();
      expect(upstream.counts.get("waits")).toBe(1);
    });

    // Bun.serve (not the default) fails this: see ProxyServerKind.
    test.skipIf(kind === "bun")(
      "pipelined requests are answered in order, or the connection closes: none is placed unanswered",
      async () => {
        const proxied = await start(kind);
        const port = Number(new URL(proxied.proxyUrl).port);
        const pipelined = ["p1", "p2", "p3"]
          .map(
            (id, i) =>
              `${i === 2 ? "GET" : "POST"} /v2/order/place HTTP/1.1\r\nHost: 127.0.0.1\r\nx-req-id: ${id}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
          )
          .join("")
          .replace("content-length: 2\r\n\r\n{}GET", "content-length: 2\r\n\r\n{}GET");
        const text = await new Promise<string>((resolve) => {
          let out = "";
          const socket = connect(port, "127.0.0.1", () => socket.write(pipelined));
          socket.on("data", (d) => {
            out += d.toString("latin1");
            if ((out.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= 3) socket.destroy();
          });
          socket.on("close", () => resolve(out));
          socket.on("error", () => {});
        });
        const answered = [...text.matchAll(/x-req-id: (\S+)/gi)].map((m) => m[1]);
        const received = ["p1", "p2", "p3"].filter((id) => upstream.counts.get(id));
        // Every request the upstream received was answered, in order; none twice.
        expect(answered).toEqual(received);
        expect(received.every((id) => upstream.counts.get(id) === 1)).toBe(true);
        expect(answered.length).toBeGreaterThanOrEqual(1);
        // Behind a request refused with its body unread (a web page's Origin): that connection closes, and
        // the order pipelined behind it is either answered or never sent.
        const behindRefusal = [
          "POST /v2/order/place HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nx-req-id: r1\r\ncontent-length: 2\r\n\r\n{}",
          "POST /v2/order/place HTTP/1.1\r\nHost: 127.0.0.1\r\nx-req-id: r2\r\ncontent-length: 2\r\n\r\n{}",
        ].join("");
        const text2 = await new Promise<string>((resolve) => {
          let out = "";
          const socket = connect(port, "127.0.0.1", () => socket.write(behindRefusal));
          socket.on("data", (d) => {
            out += d.toString("latin1");
          });
          socket.on("close", () => resolve(out));
          socket.on("error", () => {});
        });
        expect(text2).toMatch(/^HTTP\/1\.1 403/);
        expect(upstream.counts.get("r1")).toBeUndefined();
        const r2Answered = /x-req-id: r2/i.test(text2);
        expect(upstream.counts.get("r2") ?? 0).toBe(r2Answered ? 1 : 0);
      },
    );

    test("malformed Host or target, HTTP/1.0 without Host, TRACE and CONNECT: a plain 400/405 of ours", async () => {
      const proxied = await start(kind);
      const port = Number(new URL(proxied.proxyUrl).port);
      const statusPort = Number(new URL(proxied.statusUrl).port);
      const cases: [number, string, number][] = [
        [port, "GET /v2/order/place HTTP/1.1\r\nHost: localhost:80@evil.com\r\n\r\n", 400],
        [port, "GET /v2/order/place HTTP/1.0\r\n\r\n", 400],
        [port, "GET /v2/order/place HTTP/1.1\r\nHost: localhost:99999\r\n\r\n", 400],
        [port, "GET /v2/order/place HTTP/1.1\r\nHost: [::1\r\n\r\n", 400],
        [port, "GET /v2/order/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", 400],
        [port, "TRACE /v2/order/place HTTP/1.1\r\nHost: localhost\r\n\r\n", 405],
        [port, "CONNECT evil.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n", 400],
        [statusPort, "GET /healthz HTTP/1.1\r\nHost: localhost:80@evil.com\r\n\r\n", 400],
        [statusPort, "GET /metrics HTTP/1.0\r\n\r\n", 400],
        [statusPort, "TRACE /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 405],
        [statusPort, "CONNECT evil.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n", 405],
        [statusPort, "GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n", 403],
        [statusPort, "GET /metrics HTTP/1.1\r\nHost: evil.example\r\n\r\n", 403],
      ];
      for (const [to, raw, expected] of cases) {
        const text = await new Promise<string>((resolve) => {
          let out = "";
          const socket = connect(to, "127.0.0.1", () => socket.write(raw));
          socket.on("data", (d) => {
            out += d.toString("latin1");
            if (/\r\n\r\n[\s\S]*\}\s*$/.test(out)) socket.destroy();
          });
          socket.on("close", () => resolve(out));
          socket.on("error", () => resolve(out));
        });
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
        // CONNECT: Bun.serve and node:http each refuse it before our code with a bare 400; either is plain.
        if (raw.startsWith("CONNECT")) expect([400, 405]).toContain(status);
        else expect(`${status} ${raw.split("\r\n")[0]}`).toBe(`${expected} ${raw.split("\r\n")[0]}`);
        expect(text).not.toMatch(/<html|<!doctype|node_modules|\/work\/|at .*\.ts:/i);
      }
      expect(upstream.counts.size).toBe(0);
    });

    test("no answer header carries the token, in any case, base64 or with a Bearer prefix", async () => {
      const proxied = await start(kind);
      const token = await proxied.token();
      const b64 = (text: string) => Buffer.from(text).toString("base64");
      upstream.extraHeaders = [
        `x-echo-upper: ${token.toUpperCase()}`,
        `x-echo-b64: ${b64(token)}`,
        `x-echo-b64-bearer: ${b64(`Bearer ${token}`)}`,
        `x-echo-bearer: bearer ${token}`,
        `x-echo-url: ${Buffer.from(token).toString("base64url")}`,
        "x-kept: yes",
      ];
      const answer = await fetch(`${proxied.proxyUrl}/v2/order/place`, { headers: { "x-req-id": "h" } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-kept")).toBe("yes");
      for (const name of ["x-echo-upper", "x-echo-b64", "x-echo-b64-bearer", "x-echo-bearer", "x-echo-url"]) {
        expect(answer.headers.get(name)).toBeNull();
      }
    });
  });
}
