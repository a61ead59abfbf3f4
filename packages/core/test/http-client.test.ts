import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpClient, NetworkError, silentLogger } from "../src/internal.js";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/stall-body") {
      // Headers and half a body, then silence: a client that only times the headers would hang here.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"success":tr');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const client = () => new HttpClient({ timeoutMs: 300, logger: silentLogger, debug: false, now: Date.now });

describe("HttpClient", () => {
  test("reads a normal response", async () => {
    const response = await client().send({ method: "GET", url: `${base}/ok`, step: "test" });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ ok: true });
  });

  test("a body that stalls after the headers ends in TIMEOUT, not a hang", async () => {
    const outcome = await Promise.race([
      client()
        .send({ method: "GET", url: `${base}/stall-body`, step: "test" })
        .then(
          () => "resolved",
          (error: unknown) => error,
        ),
      new Promise((resolve) => setTimeout(() => resolve("hung"), 5_000)),
    ]);
    expect(outcome).toBeInstanceOf(NetworkError);
    expect((outcome as NetworkError).code).toBe("TIMEOUT");
    expect((outcome as NetworkError).retryable).toBe(true);
  });

  test("the caller's abort wins over the deadline and is not retryable", async () => {
    const controller = new AbortController();
    const http = new HttpClient({
      timeoutMs: 5_000,
      logger: silentLogger,
      debug: false,
      now: Date.now,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    const error = await http.send({ method: "GET", url: `${base}/stall-body`, step: "test" }).catch((e) => e);
    expect(error.code).toBe("LOGIN_ABORTED");
    expect(error.retryable).toBe(false);
  });
});
