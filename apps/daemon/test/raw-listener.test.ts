import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { decodeChunked, parseHead } from "../src/http/proxy/http1-parse.js";
import type { Listener } from "../src/http/proxy/node-listener.js";
import type { ProxyExchange } from "../src/http/proxy/proxy-exchange.js";
import { listenBunRaw } from "../src/http/proxy/raw-listener.js";

const head = (text: string) => parseHead(Buffer.from(text, "latin1"), 16 * 1024);

describe("the proxy's HTTP/1.1 parser refuses anything ambiguous", () => {
  test("a plain request: method, target, lower-case headers, framing, keep-alive", () => {
    const parsed = head(
      "GET /v2/user/profile?x=1 HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\nx-a: 2\r\n\r\nrest",
    );
    expect(parsed.kind).toBe("head");
    if (parsed.kind !== "head") return;
    expect(parsed.head.method).toBe("GET");
    expect(parsed.head.target).toBe("/v2/user/profile?x=1");
    expect(parsed.head.headers).toEqual({ host: "localhost", "x-a": "1, 2" });
    expect(parsed.head.framing).toEqual({ kind: "none" });
    expect(parsed.head.keepAlive).toBe(true);
    expect(parsed.head.size).toBe(parsed.head.size);
    expect(head("GET / HTTP/1.1\r\nHost: a\r\n").kind).toBe("incomplete");
    const close = head("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n");
    expect(close.kind === "head" && close.head.keepAlive).toBe(false);
    const old = head("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
    expect(old.kind === "head" && old.head.keepAlive).toBe(false);
  });

  test.each([
    [
      "Content-Length and Transfer-Encoding",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      400,
    ],
    [
      "two Content-Lengths",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
      400,
    ],
    ["a signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", 400],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400],
    ["a bare LF inside a header", "GET / HTTP/1.1\r\nHost: a\nX-B: 1\r\n\r\n", 400],
    ["a NUL in a value", "GET / HTTP/1.1\r\nHost: a\u0000\r\n\r\n", 400],
    [
      "a coding other than chunked",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      501,
    ],
    [
      "Transfer-Encoding in HTTP/1.0",
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
      400,
    ],
    ["HTTP/2's preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400],
    ["an Expect other than 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417],
  ])("%s", (_, text, status) => {
    const parsed = head(text);
    expect(parsed.kind).toBe("refused");
    expect(parsed.kind === "refused" && parsed.status).toBe(status as 400);
  });

  test("a head past the limit is a 431, complete or not", () => {
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(20_000)}`;
    expect(head(big).kind === "refused" && (head(big) as { status: number }).status).toBe(431);
    expect((head(`${big}\r\n\r\n`) as { status: number }).status).toBe(431);
  });

  test("chunked bodies: decoded across reads, extensions and trailers allowed, bad framing and the cap refused", () => {
    const state = () => ({ pos: 0, size: 0, parts: [] as [number, number][], trailers: false, extra: 0 });
    const s = state();
    const whole = Buffer.from("3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\nNEXT");
    expect(decodeChunked(whole.subarray(0, 12), s, 100).kind).toBe("incomplete");
    const done = decodeChunked(whole, s, 100);
    expect(done.kind === "done" && done.body.toString()).toBe("abcde");
    expect(done.kind === "done" && whole.subarray(done.end).toString()).toBe("NEXT");
    expect(decodeChunked(Buffer.from("3\r\nabcX\r\n"), state(), 100)).toMatchObject({ status: 400 });
    expect(decodeChunked(Buffer.from("-1\r\n"), state(), 100)).toMatchObject({ status: 400 });
    expect(decodeChunked(Buffer.from("ff\r\n"), state(), 100)).toMatchObject({ status: 413 });
  });
});

describe("the proxy's HTTP/1.1 front (Bun.listen)", () => {
  let listener: Listener;
  const seen: string[] = [];
  const left: string[] = [];
  beforeAll(async () => {
    const handle = async (ex: ProxyExchange) => {
      const body = await ex.readBody(1024);
      if (ex.target === "/wait") {
        await new Promise((resolve) => ex.signal.addEventListener("abort", resolve));
        left.push(ex.target);
      }
      seen.push(`${ex.method} ${ex.target} ${body.ok ? body.body.toString() : body.status}`);
      // An await that takes a turn of the event loop, like a call to Upstox.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!body.ok)
        return { kind: "json" as const, status: body.status, body: { error: body.error }, close: true };
      return {
        kind: "json" as const,
        status: 200,
        body: { id: ex.headers["x-id"], body: body.body.toString() },
      };
    };
    const noop = () => {};
    listener = await listenBunRaw(
      "127.0.0.1",
      0,
      handle,
      noop,
      { debug: noop, info: noop, warn: noop, error: noop },
      {
        requestMs: 2_000,
      },
    );
  });
  afterAll(() => listener.close());

  /** Writes raw bytes (in the pieces given, each after the previous answer began) and reads until the close. */
  function exchange(...pieces: string[]): Promise<string> {
    const { port } = new URL(listener.url);
    return new Promise((resolve) => {
      let out = "";
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(pieces.shift() ?? ""));
      socket.on("data", (d) => {
        out += d.toString("latin1");
        const next = pieces.shift();
        if (next !== undefined) socket.write(next);
        else if (/"id":"last"/.test(out)) socket.end();
      });
      socket.on("close", () => resolve(out));
      socket.on("error", () => resolve(out));
    });
  }

  test("pipelined requests, bodies included, are answered in order on the one connection", async () => {
    const out = await exchange(
      "POST /a HTTP/1.1\r\nHost: a\r\nx-id: 1\r\nContent-Length: 3\r\n\r\none" +
        "POST /b HTTP/1.1\r\nHost: a\r\nx-id: 2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n" +
        "GET /c HTTP/1.1\r\nHost: a\r\nx-id: last\r\n\r\n",
    );
    expect([...out.matchAll(/"id":"(\w+)","body":"(\w*)"/g)].map((m) => `${m[1]}=${m[2]}`)).toEqual([
      "1=one",
      "2=two",
      "last=",
    ]);
  });

  test("Expect: 100-continue gets its 100 before the body is sent", async () => {
    const out = await exchange(
      "POST /e HTTP/1.1\r\nHost: a\r\nx-id: last\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
      "body",
    );
    expect(out).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(out).toContain('"body":"body"');
  });

  test("a smuggling attempt is a 400 and a close: the request behind it is never handled", async () => {
    const before = seen.length;
    const out = await exchange(
      "POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toMatch(/connection: close/i);
    expect(out.match(/HTTP\/1\.1/g)?.length).toBe(1);
    expect(seen.length).toBe(before);
  });

  test("a program that sends its request and a FIN (curl -m giving up) has left: the exchange is aborted", async () => {
    const { port } = new URL(listener.url);
    const socket = connect(Number(port), "127.0.0.1", () =>
      socket.end("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n"),
    );
    socket.on("error", () => {});
    const deadline = Date.now() + 5_000;
    while (!left.includes("/wait") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(left).toContain("/wait");
    socket.destroy();
  });

  test("a body that drips in is cut at one deadline for the whole body, not one per byte", async () => {
    const { port } = new URL(listener.url);
    const started = Date.now();
    const out = await new Promise<string>((resolve) => {
      let text = "";
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write("POST /drip HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"),
      );
      // A byte every 300 ms: each arrives well inside the 2 s limit, the whole body never does.
      const drip = setInterval(() => socket.write("x"), 300);
      socket.on("data", (d) => {
        text += d.toString("latin1");
      });
      socket.on("close", () => {
        clearInterval(drip);
        resolve(text);
      });
      socket.on("error", () => {});
    });
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test("HTTP/1.0 is answered and closed", async () => {
    const out = await exchange("GET /old HTTP/1.0\r\nHost: a\r\nx-id: 1\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).toMatch(/connection: close/i);
  });
});
