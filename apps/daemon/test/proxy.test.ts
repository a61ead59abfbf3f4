import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import type { ProxyServerKind } from "../src/http/proxy/proxy-server.js";
import { hashClientKey } from "../src/http/request-policy.js";
import { addUsers, demoAccount, loginCount } from "./support/helpers.js";
import { type ProxiedDaemon, revokeAtEmulator, startProxiedDaemon } from "./support/proxied-daemon.js";
import { pushBody } from "./support/push-body.js";

let emulator: Emulator;
let running: ProxiedDaemon | undefined;
let echo: Server | undefined;

beforeAll(async () => {
  // Every test logs the same users in several times: no OTP rate limit here (its own tests cover it).
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  echo = undefined;
  emulator.clearFaults();
});

let serverKind: ProxyServerKind = "raw";

async function start(options: Parameters<typeof startProxiedDaemon>[1] = {}): Promise<ProxiedDaemon> {
  running = await startProxiedDaemon(emulator, { server: serverKind, ...options });
  return running;
}

/** Raw HTTP, so Host and other headers fetch() would not let us set can be sent as given. */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

function profileCalls(): number {
  return emulator.steps("profile").length;
}

// Every way the proxy can run: node:http with native fetch (the default), node:http both ways (Node's), Bun.serve.
for (const kind of ["raw", "node", "node-http", "bun"] as const) {
  describe(`proxy on ${kind}`, () => {
    beforeAll(() => {
      serverKind = kind;
    });

    describe("the API proxy", () => {
      test("a profile call with no token, or a wrong one, returns the account's profile; the token is never echoed", async () => {
        const proxied = await start();
        const token = await proxied.token();
        const bare = await fetch(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { accept: "application/json" },
        });
        const bareText = await bare.text();
        expect(bare.status).toBe(200);
        expect(JSON.parse(bareText).data.user_id).toBe(DEMO_USER.userId);
        const wrong = await fetch(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { authorization: "Bearer not-a-token", "api-version": "2.0" },
        });
        expect(wrong.status).toBe(200);
        for (const response of [bare, wrong]) {
          for (const [name, value] of response.headers) expect(`${name}: ${value}`).not.toContain(token);
        }
        expect(bareText).not.toContain(token);
        expect(await wrong.text()).not.toContain(token);
        // An Upstox error passes through as Upstox sent it (status and envelope), also without the token.
        const missing = await fetch(`${proxied.proxyUrl}/v2/no/such/api?x=1`);
        expect(missing.status).toBe(404);
        expect((await missing.json()).errors[0].error_code).toBe("UDAPI10000");
        // Requests are logged, without the token.
        expect(proxied.logger.lines.some((l) => l.message === "proxied request")).toBe(true);
        expect(JSON.stringify(proxied.logger.lines)).not.toContain(token);
        // Prometheus series for the proxy are served with the rest.
        const metrics = await (await fetch(`${proxied.statusUrl}/metrics`)).text();
        expect(metrics).toContain(
          'upstox_token_proxy_requests_total{account="main",method="GET",status="200"} 2',
        );
        expect(metrics).toContain('upstox_token_proxy_upstream_seconds_count{account="main"} 3');
        expect(metrics).not.toContain(token);
      });

      test("the market-data-feed authorize call works through it", async () => {
        const proxied = await start();
        const response = await fetch(`${proxied.proxyUrl}/v3/feed/market-data-feed/authorize`);
        expect(response.status).toBe(200);
        const body = await response.json();
        expect(body.data.authorized_redirect_uri).toMatch(
          /^ws:\/\/127\.0\.0\.1:\d+\/market-data-feeder\/v3\//,
        );
      });

      test("headers: Authorization and proxy headers replaced, hop-by-hop dropped both ways, query kept, answer streamed", async () => {
        let seen: { method: string; url: string; headers: Record<string, unknown>; body: string } | undefined;
        echo = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on("data", (c: Buffer) => chunks.push(c));
          req.on("end", () => {
            seen = {
              method: req.method ?? "",
              url: req.url ?? "",
              headers: req.headers,
              body: Buffer.concat(chunks).toString(),
            };
            res.writeHead(201, {
              "x-order-id": "42",
              connection: "x-secret-hop, keep-alive",
              "x-secret-hop": "1",
              "keep-alive": "timeout=5",
            });
            res.write("part one,");
            setTimeout(() => res.end("part two"), 20);
          });
        });
        await new Promise<void>((resolve) => echo?.listen(0, "127.0.0.1", resolve));
        const echoBase = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
        const proxied = await start({ proxy: { upstreams: { "/v2/order/": echoBase } } });
        const token = await proxied.token();
        const answer = await raw(`${proxied.proxyUrl}/v2/order/place?tag=a%20b&x=1`, {
          method: "POST",
          headers: {
            host: "localhost",
            authorization: "Bearer stale-token",
            "x-upstox-account": "main",
            "content-type": "application/json",
            connection: "x-drop-me",
            "x-drop-me": "1",
            te: "trailers",
            "x-client": "kept",
          },
          body: '{"quantity":1}',
        });
        expect(answer.status).toBe(201);
        expect(answer.text).toBe("part one,part two");
        expect(answer.headers["x-order-id"]).toBe("42");
        expect(answer.headers["x-secret-hop"]).toBeUndefined();
        // The proxy's own connection keeps its own Keep-Alive; Upstox's is not passed on.
        expect(answer.headers["keep-alive"]).not.toBe("timeout=5");
        expect(seen?.method).toBe("POST");
        expect(seen?.url).toBe("/v2/order/place?tag=a%20b&x=1");
        expect(seen?.body).toBe('{"quantity":1}');
        expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
        expect(seen?.headers["x-upstox-account"]).toBeUndefined();
        expect(seen?.headers["x-drop-me"]).toBeUndefined();
        expect(seen?.headers.te).toBeUndefined();
        expect(seen?.headers["x-client"]).toBe("kept");
        expect(seen?.headers.host).toBe(new URL(echoBase).host);
      });

      test("several accounts: X-Upstox-Account chooses; without it a 400 names the accounts", async () => {
        const [other] = addUsers(emulator, 1, "second");
        const proxied = await start({ accounts: [demoAccount("main"), other!] });
        const none = await fetch(`${proxied.proxyUrl}/v2/user/profile`);
        expect(none.status).toBe(400);
        const body = await none.json();
        expect(body.accounts).toEqual(["main", "second-1"]);
        expect(body.errors[0].message).toContain("X-Upstox-Account");
        const chosen = await fetch(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { "x-upstox-account": "second-1" },
        });
        expect(chosen.status).toBe(200);
        expect((await chosen.json()).data.user_id).not.toBe(DEMO_USER.userId);
        const unknown = await fetch(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { "x-upstox-account": "nobody" },
        });
        expect(unknown.status).toBe(400);
      });
    });

    describe("upstream bounds and bytes", () => {
      test("a compressed answer passes through byte for byte; a slow Upstox ends in a 504, not a hang", async () => {
        const packed = gzipSync(
          Buffer.from(JSON.stringify({ status: "success", data: { big: "x".repeat(5000) } })),
        );
        echo = createServer((req, res) => {
          if (req.url?.startsWith("/v2/market-quote/slow")) return; // never answers
          res.writeHead(200, {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "content-length": packed.length,
          });
          res.end(packed);
        });
        await new Promise<void>((resolve) => echo?.listen(0, "127.0.0.1", resolve));
        const echoBase = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
        const proxied = await start({
          proxy: { upstreams: { "/v2/market-quote/": echoBase }, upstreamTimeoutMs: 300 },
        });
        const bytes = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          request(
            `${proxied.proxyUrl}/v2/market-quote/quotes?instrument_key=NSE_EQ%7CINE002A01018`,
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () =>
                resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
              );
            },
          )
            .on("error", reject)
            .end();
        });
        expect(bytes.encoding).toBe("gzip");
        expect(bytes.body.equals(packed)).toBe(true);
        const slow = await fetch(`${proxied.proxyUrl}/v2/market-quote/slow`);
        expect(slow.status).toBe(504);
        expect((await slow.json()).errors[0].error_code).toBe("PROXY_ANSWER_LOST");
      });
    });

    describe("before the first token", () => {
      test("no token and no login running: 503 at once, and no login is started from the proxy", async () => {
        const proxied = await start({ login: false });
        const before = loginCount(emulator);
        const early = await fetch(`${proxied.proxyUrl}/v2/user/profile`);
        expect(early.status).toBe(503);
        expect((await early.json()).errors[0].error_code).toBe("PROXY_NO_TOKEN");
        expect(loginCount(emulator)).toBe(before);
      });

      test("a request that arrives during the start-up login waits for its token", async () => {
        const proxied = await start({ login: false });
        const started = new Promise<void>((resolve) =>
          proxied.daemon.events.on((event) => {
            if (event.type === "refreshing") resolve();
          }),
        );
        const cycle = proxied.daemon.runOnce();
        await started;
        const answer = await fetch(`${proxied.proxyUrl}/v2/user/profile`);
        expect(answer.status).toBe(200);
        await cycle;
      });
    });

    describe("the watchdog", () => {
      test("a token revoked at the emulator: the next GETs return 200 after exactly one re-login", async () => {
        const proxied = await start();
        const before = loginCount(emulator);
        const old = await proxied.token();
        await revokeAtEmulator(emulator, old);
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => fetch(`${proxied.proxyUrl}/v2/user/profile`)),
        );
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
        expect(loginCount(emulator)).toBe(before + 1);
        const renewed = await proxied.token();
        expect(renewed).not.toBe(old);
        // The new token reached the sink, and is what the proxy now sends.
        expect(emulator.isTokenValid(renewed)).toBe(true);
        const metrics = await (await fetch(`${proxied.statusUrl}/metrics`)).text();
        expect(metrics).toContain(
          'upstox_token_watchdog_refreshes_total{account="main",outcome="renewed"} 1',
        );
        expect(JSON.stringify(proxied.logger.lines)).not.toContain(renewed);
        // Within the cooldown, a second dead token is passed on, not answered with another login.
        await revokeAtEmulator(emulator, renewed);
        const cooled = await fetch(`${proxied.proxyUrl}/v2/user/profile`);
        expect(cooled.status).toBe(401);
        expect(cooled.headers.get("x-upstox-token-renewed")).toBeNull();
        expect(loginCount(emulator)).toBe(before + 1);
      });

      test("a POST refused for a dead token is not replayed: 401 with X-Upstox-Token-Renewed, one re-login", async () => {
        const proxied = await start();
        const before = loginCount(emulator);
        await revokeAtEmulator(emulator, await proxied.token());
        const orders = () =>
          emulator.log.filter((e) => e.method === "POST" && e.path === "/v2/order/place").length;
        const ordersBefore = orders();
        // The emulator has no order API: the order endpoint answers what Upstox answers a dead token.
        emulator.inject({
          path: "/v2/order/place",
          method: "POST",
          status: 401,
          body: JSON.stringify({
            status: "error",
            errors: [
              {
                errorCode: "UDAPI100050",
                error_code: "UDAPI100050",
                message: "Invalid token used to access API",
              },
            ],
          }),
          count: 5,
        });
        const order = await fetch(`${proxied.proxyUrl}/v2/order/place`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ quantity: 1, instrument_token: "NSE_EQ|INE002A01018" }),
        });
        expect(order.status).toBe(401);
        expect(order.headers.get("x-upstox-token-renewed")).toBe("true");
        expect((await order.json()).errors[0].error_code).toBe("UDAPI100050");
        expect(orders()).toBe(ordersBefore + 1);
        expect(loginCount(emulator)).toBe(before + 1);
        // The program decides; its next call carries the new token without another login.
        expect((await fetch(`${proxied.proxyUrl}/v2/user/profile`)).status).toBe(200);
        expect(loginCount(emulator)).toBe(before + 1);
      });

      test("a 401 for a token Upstox still accepts is passed on, with no login", async () => {
        const proxied = await start();
        const before = loginCount(emulator);
        emulator.inject({
          path: "/v2/portfolio/long-term-holdings",
          status: 401,
          body: JSON.stringify({
            status: "error",
            errors: [
              {
                errorCode: "UDAPI100050",
                error_code: "UDAPI100050",
                message: "Invalid token used to access API",
              },
            ],
          }),
        });
        const profileBefore = profileCalls();
        const answer = await fetch(`${proxied.proxyUrl}/v2/portfolio/long-term-holdings`);
        expect(answer.status).toBe(401);
        expect(profileCalls()).toBe(profileBefore + 1);
        expect(loginCount(emulator)).toBe(before);
      });

      test("POST /v1/token/invalid triggers the same single re-login; a live token is kept", async () => {
        const proxied = await start();
        const before = loginCount(emulator);
        const alive = await fetch(`${proxied.statusUrl}/v1/token/invalid`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ account: "main" }),
        });
        expect(alive.status).toBe(200);
        expect((await alive.json()).reason).toBe("alive");
        expect(loginCount(emulator)).toBe(before);

        const old = await proxied.token();
        await revokeAtEmulator(emulator, old);
        const reports = await Promise.all(
          [1, 2, 3].map(() =>
            fetch(`${proxied.statusUrl}/v1/token/invalid`, {
              method: "POST",
              body: JSON.stringify({ account: "main" }),
            }),
          ),
        );
        const bodies = await Promise.all(reports.map((r) => r.json()));
        expect(reports.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(bodies.every((b) => b.renewed === true)).toBe(true);
        expect(loginCount(emulator)).toBe(before + 1);
        const renewed = await proxied.token();
        expect(renewed).not.toBe(old);
        expect(JSON.stringify(bodies)).not.toContain(renewed);

        const unknown = await fetch(`${proxied.statusUrl}/v1/token/invalid`, {
          method: "POST",
          body: '{"account":"x"}',
        });
        expect(unknown.status).toBe(404);
        const notJson = await fetch(`${proxied.statusUrl}/v1/token/invalid`, {
          method: "POST",
          body: "account=main",
        });
        expect(notJson.status).toBe(400);
        const fromPage = await raw(`${proxied.statusUrl}/v1/token/invalid`, {
          method: "POST",
          headers: { origin: "https://evil.example", "content-type": "text/plain" },
          body: '{"account":"main"}',
        });
        expect(fromPage.status).toBe(403);
        const rebound = await raw(`${proxied.statusUrl}/v1/token/invalid`, {
          method: "POST",
          headers: { host: "evil.example:9464" },
          body: '{"account":"main"}',
        });
        expect(rebound.status).toBe(403);
        expect(loginCount(emulator)).toBe(before + 1);
      });
    });

    describe("who may use the proxy", () => {
      test("a foreign Origin, a cross-site fetch or a non-loopback Host is refused before Upstox is called", async () => {
        const proxied = await start({ proxy: { allowedOrigins: ["http://localhost:3000"] } });
        const calls = profileCalls();
        const foreign = await raw(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { origin: "https://evil.example" },
        });
        expect(foreign.status).toBe(403);
        expect(JSON.parse(foreign.text).errors[0].error_code).toBe("PROXY_FORBIDDEN");
        const crossSite = await raw(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { "sec-fetch-site": "cross-site" },
        });
        expect(crossSite.status).toBe(403);
        const opaque = await raw(`${proxied.proxyUrl}/v2/user/profile`, { headers: { origin: "null" } });
        expect(opaque.status).toBe(403);
        const rebound = await raw(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { host: "attacker.example:8978" },
        });
        expect(rebound.status).toBe(403);
        expect(profileCalls()).toBe(calls);
        const allowed = await raw(`${proxied.proxyUrl}/v2/user/profile`, {
          headers: { origin: "http://localhost:3000" },
        });
        expect(allowed.status).toBe(200);
        for (const host of ["localhost:8978", "127.0.0.1", "[::1]:8978", "127.0.0.2:1"]) {
          expect((await raw(`${proxied.proxyUrl}/v2/user/profile`, { headers: { host } })).status).toBe(200);
        }
      });

      test("from a non-loopback address: refused without allowRemote, and without a valid client key", async () => {
        const notLocal = () => false;
        const closed = await start({ isLoopback: notLocal });
        expect((await raw(`${closed.proxyUrl}/v2/user/profile`)).status).toBe(403);
        await closed.stop();
        running = undefined;

        const key = "k3y-that-is-long-and-random-0123456789";
        const open = await start({
          isLoopback: notLocal,
          proxy: { allowRemote: true, clientKeys: [hashClientKey(key)] },
        });
        const url = `${open.proxyUrl}/v2/user/profile`;
        expect((await raw(url)).status).toBe(401);
        expect((await raw(url, { headers: { "x-upstox-proxy-key": "wrong" } })).status).toBe(401);
        const keyed = await raw(url, {
          headers: { "x-upstox-proxy-key": key, host: "trading-box.lan:8978" },
        });
        expect(keyed.status).toBe(200);
        // The SDKs' own slot works too: the key as the bearer token (never forwarded to Upstox).
        const bearer = await raw(url, { headers: { authorization: `Bearer ${key}` } });
        expect(bearer.status).toBe(200);
        expect(JSON.parse(bearer.text).data.user_id).toBe(DEMO_USER.userId);
      });

      test("a 50 MB body is refused without being read (declared length, and chunked)", async () => {
        const proxied = await start();
        const calls = emulator.log.length;
        for (const declared of [true, false]) {
          const result = await pushBody(`${proxied.proxyUrl}/v2/order/place`, 50 * 1024 * 1024, declared);
          // 413; or, now and then, a reset that beats the 413 to the client (0): either way refused unread.
          expect([413, 0]).toContain(result.status);
          // Refused at the cap: at most a few MiB went out before the proxy closed the connection.
          expect(result.sent).toBeLessThan(8 * 1024 * 1024);
        }
        expect(emulator.log.length).toBe(calls);
      });
    });
  });
}
