import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  createNotifierHandler,
  requestAccessToken,
  serveNotifier,
  type UpstoxTokenError,
  upstoxExpiryMs,
} from "../src/index.js";
import { caught, demoConfig } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());

const CLIENT = "615b1297-d443-3b39-ba19-1927fbcdddc7";
const payload = {
  client_id: CLIENT,
  user_id: "AB1234",
  access_token: "eyJ.fake.token",
  token_type: "Bearer",
  expires_at: "1731448800000",
  issued_at: "1731412800000",
  message_type: "access_token",
};
const post = (body: unknown, method = "POST") =>
  new Request("http://local/notify", {
    method,
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

describe("createNotifierHandler (R10)", () => {
  test("a valid delivery resolves the token once, with times from the payload", async () => {
    const { handler, token } = createNotifierHandler({ clientId: CLIENT, now: () => 1731412801000 });
    expect((await handler(post(payload))).status).toBe(200);
    const t = await token;
    expect(t.source).toBe("token-request");
    expect(t.accessToken.reveal()).toBe("eyJ.fake.token");
    expect(t.profile.userId).toBe("AB1234");
    expect(t.issuedAt).toBe(1731412800000);
    expect(t.expiresAt).toBe(1731448800000);
    const again = await handler(post({ ...payload, access_token: "other" }));
    expect(again.status).toBe(200);
    expect((await again.json()).status).toBe("ignored");
    expect((await token).accessToken.reveal()).toBe("eyJ.fake.token");
  });

  test("rejects wrong method, bad JSON, bad payloads and other apps with 4xx", async () => {
    const { handler } = createNotifierHandler({ clientId: CLIENT });
    expect((await handler(post(null, "GET"))).status).toBe(405);
    expect((await handler(post("{not json"))).status).toBe(400);
    expect((await handler(post({ ...payload, expires_at: "tomorrow" }))).status).toBe(400);
    const missing = await handler(post({ client_id: CLIENT }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toContain("access_token");
    expect((await handler(post({ ...payload, client_id: "someone-else" }))).status).toBe(403);
  });
});

describe("requestAccessToken + serveNotifier against the emulator", () => {
  test("the user's approval delivers a token the emulator accepts", async () => {
    const apiKey = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    let listening: (url: string) => void = () => {};
    const notifierUrl = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const served = serveNotifier({
      port: 0,
      path: "/upstox/notify",
      clientId: apiKey,
      onListening: listening,
      timeoutMs: 10_000,
    });
    emu.addApp({
      apiKey,
      apiSecret: "notifier-secret",
      redirectUris: ["http://127.0.0.1:8976/callback"],
      notifierUrl: await notifierUrl,
    });
    const config = demoConfig(emu, { clientId: apiKey, clientSecret: "notifier-secret" });

    const request = await requestAccessToken(config);
    expect(request.authorizationExpiry).toBe(upstoxExpiryMs(Date.now()));
    expect(request.notifierUrl).toBe(await notifierUrl);

    const approval = await emu.approveTokenRequest(apiKey);
    expect(approval.delivered).toBe(true);
    const token = await served;
    expect(token.source).toBe("token-request");
    expect(token.accessToken.reveal()).toBe(approval.token);
    expect(token.profile.userId).toBe(DEMO_USER.userId);
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    // The server is closed after the delivery.
    const after = await fetch(await notifierUrl, { method: "POST", body: "{}" }).catch((e: Error) => e);
    expect(after).toBeInstanceOf(Error);
  });

  test("bad client secret → BAD_CLIENT_CREDENTIALS", async () => {
    const error = (await caught(() =>
      requestAccessToken(demoConfig(emu, { clientSecret: "wrong" })),
    )) as UpstoxTokenError;
    expect(error.code).toBe("BAD_CLIENT_CREDENTIALS");
  });

  test("serveNotifier gives up after timeoutMs with LOGIN_TIMEOUT", async () => {
    const error = (await caught(() => serveNotifier({ port: 0, timeoutMs: 100 }))) as UpstoxTokenError;
    expect(error.code).toBe("LOGIN_TIMEOUT");
  });
});
