import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  decideAccess,
  hashClientKey,
  isLoopbackAddress,
  isLoopbackHost,
} from "../src/http/request-policy.js";
import { type StatusServer, startStatusServer } from "../src/http/status-server.js";
import { pushBody } from "./support/push-body.js";

let server: StatusServer;
let reports = 0;
beforeAll(async () => {
  server = await startStatusServer({
    port: 0,
    status: () => [],
    metrics: () => "",
    tokenInvalid: async () => {
      reports++;
      return { status: 200, body: { renewed: false } };
    },
  });
});
afterAll(() => server.close());

const MB = 1024 * 1024;

function rss(): number {
  Bun.gc(true);
  return process.memoryUsage().rss;
}

describe("the status server's bounds", () => {
  test("a 50 MB POST, to the report endpoint or an unknown path, is refused unread: RSS stays within 20 MB", async () => {
    const before = rss();
    for (const path of ["/v1/token/invalid", "/nope"]) {
      for (const declared of [true, false]) {
        const result = await pushBody(`${server.url}${path}`, 50 * MB, declared);
        // The answer; or, on node:http under Bun, now and then a reset that beats it to the client (0).
        expect([path === "/nope" ? 404 : 413, 0]).toContain(result.status);
        expect(result.sent).toBeLessThan(8 * MB);
      }
    }
    expect(rss() - before).toBeLessThan(20 * MB);
    expect(reports).toBe(0);
  });

  test("the report endpoint takes a small JSON body, by POST only", async () => {
    const ok = await fetch(`${server.url}/v1/token/invalid`, { method: "POST", body: '{"account":"main"}' });
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.url}/v1/token/invalid`)).status).toBe(405);
    const tooBig = await fetch(`${server.url}/v1/token/invalid`, {
      method: "POST",
      body: "x".repeat(65 * 1024),
    });
    expect(tooBig.status).toBe(413);
    expect(reports).toBe(1);
  });
});

describe("the address policy", () => {
  test("loopback addresses and Host names", () => {
    for (const a of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "fe80::1", "", undefined]) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
    for (const h of ["localhost", "localhost:8978", "127.0.0.1:8978", "[::1]:8978", "[::1]", "LOCALHOST"]) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of [
      "evil.example",
      "127.0.0.1.evil.example",
      "localhost.evil.example:80",
      "0.0.0.0",
      undefined,
    ]) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  test("remote callers need allowRemote and a key; a keyed caller may use any Host; pages never pass", () => {
    const keys = [hashClientKey("secret-key")];
    const remote = {
      remoteAddress: "10.1.2.3",
      host: "box:8978",
      origin: undefined,
      secFetchSite: undefined,
    };
    const policy = { allowRemote: true, clientKeys: keys, allowedOrigins: [] };
    expect(
      decideAccess({ ...remote, clientKey: undefined }, { ...policy, allowRemote: false }),
    ).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideAccess({ ...remote, clientKey: "wrong" }, policy)).toMatchObject({ ok: false, status: 401 });
    expect(decideAccess({ ...remote, clientKey: "secret-key" }, policy)).toEqual({ ok: true, viaKey: true });
    expect(
      decideAccess({ ...remote, clientKey: "secret-key", origin: "https://evil.example" }, policy),
    ).toMatchObject({ ok: false, status: 403 });
    const local = {
      remoteAddress: "127.0.0.1",
      host: "localhost",
      origin: undefined,
      secFetchSite: "same-site",
      clientKey: undefined,
    };
    expect(decideAccess(local, policy)).toMatchObject({ ok: false, status: 403 });
    expect(decideAccess({ ...local, secFetchSite: "none" }, policy)).toEqual({ ok: true, viaKey: false });
  });
});
