import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { closeAfterAnswer, readAtMost, readNodeBody, readWebBody } from "../src/index.js";

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const read = await readNodeBody(req, 1_000);
    if (!read.ok) {
      closeAfterAnswer(req, res);
      res.writeHead(read.status, { connection: "close" }).end(read.error);
      return;
    }
    res.end(`got ${read.body.length}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

/** One raw request (headers as given), the answer's status and text. */
function send(
  headers: Record<string, string>,
  body: string | Buffer[],
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    if (typeof body === "string") req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });
}

describe("readNodeBody", () => {
  test("a body within the cap is read whole", async () => {
    expect(await send({ "content-length": "5" }, "hello")).toEqual({ status: 200, text: "got 5" });
  });

  test("a malformed Content-Length is a 400, an oversized one a 413 that reaches the client", async () => {
    const bad = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\nConnection: close\r\n\r\n");
      });
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
    });
    expect(bad).toMatch(/^HTTP\/1\.1 400/);
    const big = await send({ "content-length": "5000" }, "x".repeat(5000)).catch(() => null);
    expect(big?.status).toBe(413);
  });

  test("a chunked body is refused (413) once it passes the cap", async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(100, 120));
    const answer = await send({ "transfer-encoding": "chunked" }, chunks).catch(() => null);
    expect(answer?.status).toBe(413);
  });
});

describe("readWebBody and readAtMost", () => {
  test("a Request within the cap is read; a declared or streamed excess is a 413; a bad length a 400", async () => {
    const ok = await readWebBody(new Request("http://x/", { method: "POST", body: "abc" }), 10);
    expect(ok.ok && ok.body.toString()).toBe("abc");
    const declared = new Request("http://x/", { method: "POST", body: "x".repeat(20) });
    expect(await readWebBody(declared, 10)).toMatchObject({ ok: false, status: 413 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(8));
        controller.close();
      },
    });
    const streamed = new Request("http://x/", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(await readWebBody(streamed, 10)).toMatchObject({ ok: false, status: 413 });
    const malformed = new Request("http://x/", { method: "POST", headers: { "content-length": "ten" } });
    expect(await readWebBody(malformed, 10)).toMatchObject({ ok: false, status: 400 });
  });

  test("readAtMost cuts a stream at the cap and says so", async () => {
    let stopped = false;
    async function* parts() {
      for (let i = 0; i < 4; i++) yield new Uint8Array([i, i, i]);
    }
    const cut = await readAtMost(parts(), 7, () => {
      stopped = true;
    });
    expect(cut.truncated).toBe(true);
    expect(cut.body.length).toBe(6);
    expect(stopped).toBe(true);
    expect((await readAtMost(parts(), 100)).truncated).toBe(false);
  });
});
