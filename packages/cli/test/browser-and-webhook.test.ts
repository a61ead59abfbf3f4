import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { browserLoginRedirect, playBrowserLogin } from "./support/browser-player.js";
import { emulatorEnv, freePort } from "./support/emulator-env.js";
import { runBin, spawnBin } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** An app of its own per test, with a redirect URI (and notifier) on ports that are free now. */
async function appOnFreePorts(name: string) {
  const callbackPort = await freePort();
  const notifierPort = await freePort();
  const app = {
    apiKey: `${name}-${crypto.randomUUID()}`,
    apiSecret: `${name}-secret`,
    redirectUris: [`http://127.0.0.1:${callbackPort}/callback`],
    notifierUrl: `http://127.0.0.1:${notifierPort}/upstox/notifier`,
  };
  emulator.addApp(app);
  const env = emulatorEnv(emulator, {
    UPSTOX_CLIENT_ID: app.apiKey,
    UPSTOX_CLIENT_SECRET: app.apiSecret,
    UPSTOX_REDIRECT_URI: app.redirectUris[0]!,
  });
  return { app, env, notifierPort };
}

test("login: prints the URL, a browser logs in, the callback gets the token", async () => {
  const { env } = await appOnFreePorts("browser");
  const run = spawnBin(["login", "--no-open", "--json", "--timeout", "20s"], { env });
  const [, url] = await run.waitForStderr(/^\s+(http\S+)$/m);
  const authorizationUrl = new URL(url!);
  expect(authorizationUrl.pathname).toBe("/v2/login/authorization/dialog");
  expect(authorizationUrl.searchParams.get("state")).toBeTruthy();

  const page = await playBrowserLogin(authorizationUrl.href, DEMO_USER);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Logged in to Upstox");

  const result = await run.result();
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { access_token: string; source: string; user_id: string };
  expect(body.source).toBe("browser");
  expect(body.user_id).toBe(DEMO_USER.userId);
  expect(emulator.isTokenValid(body.access_token)).toBe(true);
});

test("login: nobody comes back, the timeout ends it with exit 1", async () => {
  const { env } = await appOnFreePorts("timeout");
  const result = await runBin(["login", "--no-open", "--timeout", "300ms"], { env });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("error [LOGIN_TIMEOUT]");
  expect(result.stderr).toContain("hint:");
});

test("login: a redirect URI that is not local is a config error", async () => {
  const { env } = await appOnFreePorts("remote");
  const result = await runBin(["login", "--no-open"], {
    env: { ...env, UPSTOX_REDIRECT_URI: "https://example.com/callback" },
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("UPSTOX_REDIRECT_URI");
});

test("request-token --listen: waits on the webhook, the user approves, the token arrives", async () => {
  const { app, env, notifierPort } = await appOnFreePorts("notify");
  const run = spawnBin(
    ["request-token", "--json", "--listen", `127.0.0.1:${notifierPort}/upstox/notifier`, "--timeout", "20s"],
    { env },
  );
  await run.waitForStderr(/Waiting for the token on http:\/\/127\.0\.0\.1:\d+\/upstox\/notifier/);
  const approval = await emulator.approveTokenRequest(app.apiKey);
  expect(approval.delivered).toBe(true);

  const result = await run.result();
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as Record<string, string>;
  expect(body.access_token).toBe(approval.token);
  expect(body.source).toBe("token-request");
  expect(body.authorization_expiry).toMatch(/T03:30:00\.000\+05:30$/);
  expect(body.expires_at).toMatch(/\+05:30$/);
  expect(emulator.isTokenValid(body.access_token!)).toBe(true);
});

test("request-token without --listen prints when the request lapses", async () => {
  const { env } = await appOnFreePorts("plain");
  const result = await runBin(["request-token"], { env });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Approve before:\s+\d{4}-\d\d-\d\d 03:30 IST/);
  const json = await runBin(["request-token", "--json"], { env });
  expect(JSON.parse(json.stdout)).toMatchObject({
    authorization_expiry: expect.stringMatching(/T03:30:00\.000\+05:30$/),
    notifier_url: expect.stringContaining("/upstox/notifier"),
  });
});

test("request-token --listen on a port in use: exit 2 naming --listen, no request sent", async () => {
  const { env } = await appOnFreePorts("busy");
  const busy = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x") });
  try {
    const before = emulator.steps("token-request").length;
    const result = await runBin(["request-token", "--listen", `127.0.0.1:${busy.port}/hook`], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--listen");
    expect(emulator.steps("token-request")).toHaveLength(before);
  } finally {
    busy.stop(true);
  }
});

test("auth-url + exchange <code>: the code works once; reusing it is exit 1", async () => {
  const { env } = await appOnFreePorts("exchange");
  const authUrl = (await runBin(["auth-url", "--state", "s1"], { env })).stdout.trim();
  const redirect = new URL(await browserLoginRedirect(authUrl, DEMO_USER));
  expect(redirect.searchParams.get("state")).toBe("s1");
  const code = redirect.searchParams.get("code")!;

  const first = await runBin(["exchange", code, "--json"], { env });
  expect(first.code).toBe(0);
  const body = JSON.parse(first.stdout) as { access_token: string; source: string };
  expect(body.source).toBe("exchange");
  expect(emulator.isTokenValid(body.access_token)).toBe(true);

  const again = await runBin(["exchange", code], { env });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("error [INVALID_AUTH_CODE]");
  expect(again.stderr).toContain("hint:");
});
