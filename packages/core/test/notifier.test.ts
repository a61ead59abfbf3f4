import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  createNotifierHandler,
  requestAccessToken,
  serveNotifier,
  type UpstoxConfig,
  type UpstoxToken,
  type UpstoxTokenError,
  upstoxExpiryMs,
} from "../src/internal.js";
import { rssMb, streamPost } from "./big-post.js";
import { captureLogger, caught, demoConfig } from "./helpers.js";

let emu: Emulator;
let config: UpstoxConfig;
const APP = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const OTHER_USER = { mobile: "9123456780", totpSecret: "JBSWY3DPEHPK3PXQ", pin: "654321", userId: "OTHR02" };

beforeAll(async () => {
  emu = await startEmulator({});
  emu.addUser(OTHER_USER);
  config = demoConfig(emu, { clientId: APP, clientSecret: "notifier-secret" });
});
afterAll(() => emu.close());

/** Points the app's notifier at `url` (re-adding the app replaces it). */
function registerApp(notifierUrl: string): void {
  emu.addApp({
    apiKey: APP,
    apiSecret: "notifier-secret",
    redirectUris: ["http://127.0.0.1:8976/callback"],
    notifierUrl,
  });
}

const forged = (overrides: Record<string, unknown> = {}) => ({
  client_id: APP,
  user_id: DEMO_USER.userId,
  access_token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.forged",
  token_type: "Bearer",
  expires_at: "4102444800000", // 2100-01-01
  issued_at: String(Date.now()),
  message_type: "access_token",
  ...overrides,
});

const postJson = (url: string, body: unknown) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Starts serveNotifier on a free port with the app's notifier pointed at it. */
async function listen(extra: Partial<Parameters<typeof serveNotifier>[0]> = {}) {
  let onListening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    onListening = resolve;
  });
  const served = serveNotifier({
    port: 0,
    path: "/upstox/notify",
    config,
    timeoutMs: 20_000,
    onListening: (url) => onListening(url),
    ...extra,
  });
  served.catch(() => {});
  const url = await ready;
  registerApp(url);
  return { url, served };
}

describe("createNotifierHandler: every delivery is verified before it is trusted", () => {
  test("needs the config: an unverifiable notifier is refused at construction", () => {
    expect(() => createNotifierHandler({ clientId: APP })).toThrow(/verify deliveries/);
  });

  test("wrong method, bad JSON, bad payloads and other apps get 4xx", async () => {
    const { handler } = createNotifierHandler({ config });
    const req = (body: string, method = "POST") =>
      handler(new Request("http://local/n", { method, body: method === "GET" ? undefined : body }));
    expect((await req("", "GET")).status).toBe(405);
    expect((await req("{not json")).status).toBe(400);
    expect((await req(JSON.stringify(forged({ expires_at: "tomorrow" })))).status).toBe(400);
    const missing = await req(JSON.stringify({ client_id: APP }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toContain("access_token");
    expect((await req(JSON.stringify(forged({ client_id: "someone-else" })))).status).toBe(403);
    expect((await req("x".repeat(70_000))).status).toBe(413);
  });
});

describe("serveNotifier against the emulator", () => {
  test("a forged delivery (expiry 2100) is refused and not logged with its token; the genuine one after it is stored with the 03:30 IST expiry", async () => {
    const logger = captureLogger();
    const { url, served } = await listen({ logger });
    let settled: UpstoxToken | undefined;
    served.then((t) => {
      settled = t;
    });

    const refused = await postJson(url, forged());
    expect(refused.status).toBe(401);
    expect(logger.text()).toContain("delivery refused");
    expect(logger.text()).not.toContain("forged");
    expect(settled).toBeUndefined();

    const request = await requestAccessToken(config);
    expect(request.notifierUrl).toBe(url);
    const approval = await emu.approveTokenRequest(APP);
    expect(approval.delivered).toBe(true);
    const token = await served;
    expect(token.accessToken.reveal()).toBe(approval.token);
    expect(token.profile.userId).toBe(DEMO_USER.userId);
    expect(token.profile.userName).toBeDefined();
    expect(token.expiresAt).toBeLessThanOrEqual(upstoxExpiryMs(Date.now()));
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    // The server is closed after the delivery.
    expect(await postJson(url, "{}").catch((e: Error) => e)).toBeInstanceOf(Error);
  });

  test("a genuine token with a forged expires_at in 2100 is stored with the JWT/03:30 IST expiry", async () => {
    // The attacker relays a real token (say, stolen from another app's webhook) and lies about its expiry.
    const { url, served } = await listen();
    const probe = await listen({ port: 0 });
    await requestAccessToken(config);
    const real = await emu.approveTokenRequest(APP); // goes to `probe`, the latest registered
    await probe.served;
    const response = await postJson(url, forged({ access_token: real.token }));
    expect(response.status).toBe(200);
    const token = await served;
    expect(token.expiresAt).toBeLessThanOrEqual(upstoxExpiryMs(Date.now()));
  });

  test("a genuine token of another user is refused where the expected user is known", async () => {
    const { url, served } = await listen({ expectedUserId: DEMO_USER.userId });
    await requestAccessToken(config);
    const other = await emu.approveTokenRequest(APP, { mobile: OTHER_USER.mobile });
    expect(other.delivered).toBe(false);
    expect(other.status).toBe(403);
    // Lying about user_id does not help: the profile says whose token it is.
    expect((await postJson(url, forged({ access_token: other.token }))).status).toBe(403);
    await requestAccessToken(config);
    const mine = await emu.approveTokenRequest(APP);
    expect(mine.delivered).toBe(true);
    expect((await served).accessToken.reveal()).toBe(mine.token);
  });

  test("a 50 MB POST is cut off at 64 KiB: 413, RSS within 20 MB, and the listener keeps waiting", async () => {
    const { url, served } = await listen();
    await streamPost(url, 1_000_000); // warm up the paths involved
    const before = rssMb();
    const streamed = await streamPost(url, 50 * 1_048_576);
    const declared = await streamPost(url, 50 * 1_048_576, { declareLength: true });
    const elsewhere = await streamPost(`${new URL(url).origin}/other`, 50 * 1_048_576);
    const growth = rssMb() - before;
    expect([413, "reset"]).toContain(streamed);
    expect([413, "reset"]).toContain(declared);
    expect([404, "reset"]).toContain(elsewhere);
    expect(growth).toBeLessThan(20);
    await requestAccessToken(config);
    expect((await emu.approveTokenRequest(APP)).delivered).toBe(true);
    expect((await served).source).toBe("token-request");
  });

  test("bad client secret → BAD_CLIENT_CREDENTIALS", async () => {
    const error = (await caught(() =>
      requestAccessToken(demoConfig(emu, { clientSecret: "wrong" })),
    )) as UpstoxTokenError;
    expect(error.code).toBe("BAD_CLIENT_CREDENTIALS");
  });

  test("gives up after timeoutMs with LOGIN_TIMEOUT", async () => {
    const error = (await caught(() =>
      serveNotifier({ port: 0, config, timeoutMs: 100 }),
    )) as UpstoxTokenError;
    expect(error.code).toBe("LOGIN_TIMEOUT");
  });
});
