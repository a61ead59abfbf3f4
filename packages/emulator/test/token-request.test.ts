import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEMO_USER, type Emulator, startEmulator, upstoxExpiryMs } from "../src/index.js";

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

let now = Date.parse("2026-03-11T17:30:00+05:30");
let emulator: Emulator;
let notifier: Server;
let notifierStatus = 200;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  notifier = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(notifierStatus, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => notifier.listen(0, "127.0.0.1", resolve));
  const { port } = notifier.address() as AddressInfo;
  emulator = await startEmulator({
    now: () => now,
    apps: [
      {
        apiKey: "615b1297-d443-3b39-ba19-1927fbcdddc7",
        apiSecret: "hook-secret",
        redirectUris: ["http://127.0.0.1:8976/callback"],
        notifierUrl: `http://127.0.0.1:${port}/upstox/notify`,
      },
      { apiKey: "no-hook", apiSecret: "s", redirectUris: ["http://127.0.0.1:1/cb"] },
      {
        apiKey: "dead-hook",
        apiSecret: "s",
        redirectUris: ["http://127.0.0.1:1/cb"],
        notifierUrl: "http://127.0.0.1:1/x",
      },
    ],
  });
});
afterAll(async () => {
  await emulator.close();
  notifier.close();
});

const APP = "615b1297-d443-3b39-ba19-1927fbcdddc7";

function requestToken(apiKey: string, body: string, contentType = "application/json") {
  return fetch(`${emulator.url}/v3/login/auth/token/request/${apiKey}`, {
    method: "POST",
    headers: { "content-type": contentType, accept: "application/json" },
    body,
  });
}

describe("R9 access token request + R10 notifier webhook", () => {
  test("R9 answers the next 03:30 IST as a string of epoch ms", async () => {
    const response = await requestToken(APP, JSON.stringify({ client_secret: "hook-secret" }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; data: Record<string, unknown> };
    expect(body.status).toBe("success");
    expect(body.data.authorization_expiry).toBe(String(Date.parse("2026-03-12T03:30:00+05:30")));
    expect(body.data.notifier_url).toMatch(/\/upstox\/notify$/);
  });

  test("approval POSTs the R10 body to a real local server", async () => {
    deliveries.length = 0;
    await requestToken(APP, JSON.stringify({ client_secret: "hook-secret" }));
    const result = await emulator.approveTokenRequest(APP);
    expect(result).toMatchObject({ delivered: true, status: 200 });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery?.headers["content-type"]).toBe("application/json");
    expect(delivery?.body).toEqual({
      client_id: APP,
      user_id: DEMO_USER.userId,
      access_token: result.token,
      token_type: "Bearer",
      expires_at: String(upstoxExpiryMs(now)),
      issued_at: String(now),
      message_type: "access_token",
    });
    expect(emulator.isTokenValid(result.token)).toBe(true);
    const profile = await fetch(`${emulator.url}/v2/user/profile`, {
      headers: { authorization: `Bearer ${result.token}` },
    });
    expect(profile.status).toBe(200);
    // Approving consumes the request.
    await expect(emulator.approveTokenRequest(APP)).rejects.toThrow(/no pending token request/);
  });

  test("a form-encoded request (the Python sample's mistake) is accepted too; approve over HTTP", async () => {
    deliveries.length = 0;
    const response = await requestToken(
      APP,
      "client_secret=hook-secret",
      "application/x-www-form-urlencoded",
    );
    expect(response.status).toBe(200);
    const approved = await fetch(`${emulator.url}/__emulator/approve/${APP}`, {
      method: "POST",
      body: JSON.stringify({ mobile: DEMO_USER.mobile }),
    });
    const result = (await approved.json()) as { ok: boolean; delivered: boolean; token: string };
    expect(result).toMatchObject({ ok: true, delivered: true });
    expect(deliveries[0]?.body.access_token).toBe(result.token);
  });

  test("a failing or unreachable notifier is reported, not thrown", async () => {
    notifierStatus = 500;
    await requestToken(APP, JSON.stringify({ client_secret: "hook-secret" }));
    expect(await emulator.approveTokenRequest(APP)).toMatchObject({ delivered: false, status: 500 });
    notifierStatus = 200;
    await requestToken("dead-hook", JSON.stringify({ client_secret: "s" }));
    const dead = await emulator.approveTokenRequest("dead-hook");
    expect(dead.delivered).toBe(false);
    expect(dead.status).toBeUndefined();
  });

  test("errors: bad secret → 401 UDAPI100069; no notifier URL → UDAPI1155; expired request", async () => {
    const bad = await requestToken(APP, JSON.stringify({ client_secret: "wrong" }));
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { errors: Array<{ error_code: string }> }).errors[0]?.error_code).toBe(
      "UDAPI100069",
    );
    const unknown = await requestToken("nobody", JSON.stringify({ client_secret: "x" }));
    expect(unknown.status).toBe(401);
    const noHook = await requestToken("no-hook", JSON.stringify({ client_secret: "s" }));
    expect(((await noHook.json()) as { errors: Array<{ error_code: string }> }).errors[0]?.error_code).toBe(
      "UDAPI1155",
    );
    await requestToken(APP, JSON.stringify({ client_secret: "hook-secret" }));
    const saved = now;
    now = Date.parse("2026-03-12T03:30:00+05:30");
    await expect(emulator.approveTokenRequest(APP)).rejects.toThrow(/expired/);
    now = saved;
    expect(emulator.steps("token-request").length).toBeGreaterThanOrEqual(5);
  });
});

test("mintToken: another user's genuine token for an app, delivered nowhere (what a stranger could post to a notifier)", async () => {
  const other = emulator.addUser({ mobile: "9123400001", pin: "654321", totpSecret: DEMO_USER.totpSecret });
  const before = deliveries.length;
  const minted = emulator.mintToken(APP, { mobile: other.mobile });
  expect(minted.userId).toBe(other.userId);
  expect(minted.userId).not.toBe(DEMO_USER.userId);
  expect(emulator.isTokenValid(minted.token)).toBe(true);
  const profile = await fetch(`${emulator.url}/v2/user/profile`, {
    headers: { authorization: `Bearer ${minted.token}` },
  });
  expect(((await profile.json()) as { data: { user_id: string } }).data.user_id).toBe(other.userId);
  expect(deliveries.length).toBe(before);
  expect(() => emulator.mintToken("no-such-app")).toThrow(/no app/);
});
