import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  ConfigError,
  exchangeCode,
  localCallbackAddress,
  loginWithBrowser,
  renderCallbackPage,
  Secret,
  type UpstoxConfig,
  type UpstoxTokenError,
} from "../src/internal.js";
import { rssMb, streamPost } from "./big-post.js";
import { playBrowser } from "./browser-player.js";
import { captureLogger, caught, demoConfig, freePort } from "./helpers.js";

let emu: Emulator;
let config: UpstoxConfig;
const APP = { apiKey: "0f0e0d0c-0b0a-4909-8807-060504030201", apiSecret: "browser-app-secret" };

beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  emu.addApp({ ...APP, redirectUris: [redirectUri] });
  config = demoConfig(emu, { clientId: APP.apiKey, clientSecret: APP.apiSecret, redirectUri });
});

/** Starts the browser login and returns its promise plus the URL it asked the user to open. */
function startLogin(opts: Parameters<typeof loginWithBrowser>[1] = {}) {
  let resolveUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const login = loginWithBrowser(config, { ...opts, onUrl: resolveUrl });
  login.catch(() => {}); // observed by the tests below
  return { login, url };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("loginWithBrowser, end to end with an HTTP client playing the browser", () => {
  test("the callback receives the code, exchanges it once and shows a success page", async () => {
    const { login, url } = startLogin({ timeoutMs: 10_000 });
    const authUrl = await url;
    expect(new URL(authUrl).searchParams.get("state")?.length).toBeGreaterThanOrEqual(16);
    const run = await playBrowser(authUrl);
    const token = await login;
    expect(token.source).toBe("browser");
    expect(token.profile.userId).toBe(DEMO_USER.userId);
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(run.callback.status).toBe(200);
    const page = await run.callback.text();
    expect(page).toContain("Logged in to Upstox");
    expect(page).toContain("You can close this tab");
    expect(page).not.toContain(token.accessToken.reveal());
    expect(emu.steps("token")).toHaveLength(1);
    expect(await portIsFree(localCallbackAddress(config.redirectUri ?? "").port)).toBe(true);
  });

  test("the open callback is called with the URL", async () => {
    const opened: string[] = [];
    const { login, url } = startLogin({ open: (u) => void opened.push(u) });
    const authUrl = await url;
    await playBrowser(authUrl);
    await login;
    expect(opened).toEqual([authUrl]);
  });

  test("a stray callback (wrong or missing state) gets a 400 page and does not end the login", async () => {
    const logger = captureLogger();
    const { login, url } = startLogin({ timeoutMs: 10_000, logger });
    let ended = false;
    login.then(
      () => (ended = true),
      () => (ended = true),
    );
    const authUrl = await url;
    const callback = new URL(config.redirectUri ?? "");
    callback.search = new URLSearchParams({ code: "ABC123" }).toString();
    const missing = await fetch(callback);
    expect(missing.status).toBe(400);
    callback.search = new URLSearchParams({ code: "ABC123", state: "forged" }).toString();
    const wrong = await fetch(callback);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("state mismatch");
    expect(logger.text()).toContain("wrong or missing state");
    expect(emu.steps("token")).toHaveLength(0);
    expect(ended).toBe(false);

    await playBrowser(authUrl);
    const token = await login;
    expect(token.source).toBe("browser");
    expect(emu.steps("token")).toHaveLength(1);
  });

  test("only stray callbacks until the timeout: LOGIN_TIMEOUT that says so", async () => {
    const { login, url } = startLogin({ timeoutMs: 300 });
    await playBrowser(await url, { tamper: (u) => u.searchParams.set("state", "forged") });
    const error = (await caught(() => login)) as UpstoxTokenError;
    expect(error.code).toBe("LOGIN_TIMEOUT");
    expect(error.message).toContain("wrong or missing state");
    expect(emu.steps("token")).toHaveLength(0);
  });

  test("a 50 MB POST to the callback server is not read: RSS within 20 MB, and the login goes on", async () => {
    const { login, url } = startLogin({ timeoutMs: 20_000 });
    const authUrl = await url;
    const callbackUrl = config.redirectUri ?? "";
    await streamPost(callbackUrl, 1_000_000);
    const before = rssMb();
    const onPath = await streamPost(callbackUrl, 50 * 1_048_576);
    const elsewhere = await streamPost(`${new URL(callbackUrl).origin}/elsewhere`, 50 * 1_048_576);
    const growth = rssMb() - before;
    expect([405, "reset"]).toContain(onPath);
    expect([404, "reset"]).toContain(elsewhere);
    expect(growth).toBeLessThan(20);
    await playBrowser(authUrl);
    expect((await login).source).toBe("browser");
  });

  test("an error from Upstox on the callback shows an error page", async () => {
    const { login, url } = startLogin();
    const state = new URL(await url).searchParams.get("state") ?? "";
    const callback = new URL(config.redirectUri ?? "");
    callback.search = new URLSearchParams({ error: "access_denied", state }).toString();
    const response = await fetch(callback);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("access_denied");
    expect(((await caught(() => login)) as UpstoxTokenError).code).toBe("UPSTOX_API");
  });

  test("a failed exchange shows its hint on the page and rejects with the typed error", async () => {
    config = { ...config, clientSecret: new Secret("wrong") };
    const { login, url } = startLogin();
    const run = await playBrowser(await url);
    const error = (await caught(() => login)) as UpstoxTokenError;
    expect(error.code).toBe("BAD_CLIENT_CREDENTIALS");
    expect(run.callback.status).toBe(502);
    expect(await run.callback.text()).toContain("UPSTOX_CLIENT_SECRET");
  });

  test("the error page never echoes a secret that Upstox's error text contains", async () => {
    emu.inject({
      path: "/v2/login/authorization/token",
      status: 400,
      body: JSON.stringify({
        status: "error",
        errors: [
          { errorCode: "UDAPI100016", message: `bad client_secret=${APP.apiSecret} pin=${DEMO_USER.pin}` },
        ],
      }),
    });
    const { login, url } = startLogin();
    const run = await playBrowser(await url);
    await caught(() => login);
    const page = await run.callback.text();
    expect(page).toContain("bad client_secret=***");
    expect(page).not.toContain(APP.apiSecret);
    expect(page).not.toContain(`pin=${DEMO_USER.pin}`);
  });

  test("no browser → LOGIN_TIMEOUT, and the port is released", async () => {
    const { login, url } = startLogin({ timeoutMs: 150 });
    await url;
    const error = (await caught(() => login)) as UpstoxTokenError;
    expect(error.code).toBe("LOGIN_TIMEOUT");
    expect(error.hint).toBeTruthy();
    expect(await portIsFree(localCallbackAddress(config.redirectUri ?? "").port)).toBe(true);
  });

  test("an abort signal → LOGIN_ABORTED, and the port is released", async () => {
    const controller = new AbortController();
    const { login, url } = startLogin({ signal: controller.signal });
    await url;
    controller.abort();
    expect(((await caught(() => login)) as UpstoxTokenError).code).toBe("LOGIN_ABORTED");
    expect(await portIsFree(localCallbackAddress(config.redirectUri ?? "").port)).toBe(true);
  });

  test("a redirect URI that is not a local http address is a ConfigError that explains", async () => {
    for (const redirectUri of [
      "https://example.com/callback",
      "http://127.0.0.1/callback",
      "https://127.0.0.1:9/cb",
    ]) {
      const error = await caught(() => loginWithBrowser({ ...config, redirectUri }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe("UPSTOX_REDIRECT_URI");
      expect((error as Error).message).toContain("http://127.0.0.1:PORT/path");
    }
  });

  test("localhost and [::1] are accepted", () => {
    expect(localCallbackAddress("http://localhost:8976/cb")).toEqual({
      host: "localhost",
      port: 8976,
      path: "/cb",
    });
    expect(localCallbackAddress("http://[::1]:8976/cb").host).toBe("::1");
  });
});

describe("exchangeCode", () => {
  test("a code works once: the second exchange is INVALID_AUTH_CODE", async () => {
    const controller = new AbortController();
    const { login, url } = startLogin({ signal: controller.signal });
    const run = await playBrowser(await url, {
      // Keep the code for ourselves: the callback sees a mismatched state and never exchanges it.
      tamper: (u) => u.searchParams.set("state", "x"),
    });
    controller.abort();
    await caught(() => login);
    const code = new URL(run.callbackUrl).searchParams.get("code") ?? "";
    expect(code).toMatch(/^[A-Za-z0-9]{6}$/);
    const token = await exchangeCode(config, code);
    expect(token.source).toBe("exchange");
    const error = (await caught(() => exchangeCode(config, code))) as UpstoxTokenError;
    expect(error.code).toBe("INVALID_AUTH_CODE");
    expect(error.upstoxCode).toBe("UDAPI100057");
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/once/);
    expect(emu.steps("token")).toHaveLength(2);
  });
});

describe("renderCallbackPage", () => {
  test("escapes what it shows", () => {
    const html = renderCallbackPage({
      outcome: "error",
      title: "<b>x</b>",
      detail: "a & b",
      nextStep: "'go'",
    });
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).toContain("a &amp; b");
    expect(html).not.toContain("<b>x</b>");
  });
});
