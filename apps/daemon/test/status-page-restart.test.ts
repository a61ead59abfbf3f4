import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, stateLayout, userKey } from "@upstox-token/core";
import { DEMO_APP, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { type DaemonServers, startDaemonServers } from "../src/http/daemon-servers.js";
import { type Daemon, startDaemon } from "../src/runner/daemon.js";
import { findChromium, launchChromium } from "./support/chromium.js";
import {
  accountEntry,
  DAEMON_BIN,
  demoAccount,
  loginCount,
  memoryLogger,
  tempDir,
  writeConfig,
} from "./support/helpers.js";
import { revokeAtEmulator } from "./support/proxied-daemon.js";
import { waitFor as until } from "./support/wait.js";

let emulator: Emulator;
const cleanups: (() => void | Promise<void>)[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await emulator.close();
});

const SECRET = "k7Qx-3vN_9mYp2RtL8wZ4cHs6bJf1dGu5eAo0iKqXyTn";

interface Running {
  daemon: Daemon;
  servers: DaemonServers;
  url: string;
  logger: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
}

/** A daemon on the emulator with a status server, over a folder and a state folder that outlive it. */
async function start(
  dir: string,
  options: { statusServer?: Record<string, unknown>; remote?: boolean } = {},
): Promise<Running> {
  const config = validateConfig(
    {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [
        { use: "sqlite", options: { path: "tokens.db" } },
        { use: "env", options: { path: "main.env" } },
      ],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 1 },
      statusServer: { port: 0, ...options.statusServer },
    },
    { file: null, baseDir: dir },
  );
  const logger = memoryLogger();
  const daemon = await startDaemon({ config, logger, schedule: false, stateDir: join(dir, "state") });
  const servers = await startDaemonServers(daemon, {
    logger,
    // Remote mode, seen from this machine: every peer counts as another device.
    ...(options.remote ? { isLoopback: () => false } : {}),
  });
  const running = {
    daemon,
    servers,
    url: servers.statusServer!.url,
    logger,
    stop: async () => {
      await servers.close();
      await daemon.stop();
    },
  };
  cleanups.push(running.stop);
  return running;
}

function folder(): string {
  const t = tempDir("daemon-status-restart-");
  cleanups.push(t.cleanup);
  return t.dir;
}

async function account(url: string) {
  const report = (await (await fetch(`${url}/v1/accounts`)).json()) as {
    accounts: {
      state: string;
      last_refresh: { at_ms: number; cause: string | null; logged_in: boolean | null } | null;
      sinks: { name: string; state: string }[];
    }[];
  };
  return report.accounts[0]!;
}

async function csrfOf(pageUrl: string): Promise<string> {
  const html = await (await fetch(pageUrl)).text();
  const token = /<meta name="upstox-token-csrf" content="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error("no CSRF token in the page");
  return token;
}

describe("the status page tells the truth after a restart", () => {
  test("last refresh, its cause and the sinks come back from the state folder (last-refresh.json, 0600)", async () => {
    const dir = folder();
    const first = await start(dir);
    await first.daemon.runOnce("catch-up");
    const before = await account(first.url);
    expect(before.last_refresh?.cause).toBe("start-up");
    const file = stateLayout.lastRefresh(
      join(dir, "state"),
      userKey({ mobile: demoAccount().mobile, clientId: DEMO_APP.apiKey }),
    );
    await first.stop();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved).toMatchObject({ account: "main", cause: "start-up", loggedIn: true });
    expect(JSON.stringify(saved)).not.toContain(".ey"); // no JWT, no token

    const second = await start(dir);
    // Before any cycle of the new process: not "never", not "unknown".
    const after = await account(second.url);
    expect(after.last_refresh).toMatchObject({ at_ms: before.last_refresh!.at_ms, cause: "start-up" });
    expect(after.sinks.map((s) => s.state)).toEqual(["ok", "ok"]);
    // Its start-up cycle serves the stored token: the story of the refresh that stored it stays.
    const logins = loginCount(emulator);
    await second.daemon.runOnce("catch-up");
    expect(loginCount(emulator)).toBe(logins);
    expect((await account(second.url)).last_refresh).toMatchObject({
      at_ms: before.last_refresh!.at_ms,
      cause: "start-up",
    });
  });
});

test("a refresh the watchdog starts (Upstox refused the token) is shown with the cause watchdog", async () => {
  const running = await start(folder());
  await running.daemon.runOnce("catch-up");
  const record = await running.daemon.storedRecord("main");
  await revokeAtEmulator(emulator, record!.accessToken.reveal());
  const report = await fetch(`${running.url}/v1/token/invalid`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"account":"main"}',
  });
  expect(report.status).toBeLessThan(300);
  await until(
    "the watchdog's refresh",
    async () => (await account(running.url)).last_refresh?.cause === "watchdog",
  );
  expect(running.daemon.lastRefresh("main")).toMatchObject({ cause: "watchdog", loggedIn: true });
});

describe("POST /v1/refresh: the page's button, CSRF-safe", () => {
  test("refused without the page's token, from another origin or cross-site, and by GET; accepted from the page", async () => {
    const running = await start(folder());
    await running.daemon.runOnce("catch-up");
    const token = await csrfOf(`${running.url}/`);
    const host = new URL(running.url).host;
    const post = (headers: Record<string, string>, body = '{"account":"main"}') =>
      fetch(`${running.url}/v1/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const logins = loginCount(emulator);
    expect((await post({})).status).toBe(403);
    expect((await post({ "x-upstox-token-csrf": "x".repeat(43) })).status).toBe(403);
    const foreign = await post({ "x-upstox-token-csrf": token, origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toContain("Origin");
    expect((await post({ "x-upstox-token-csrf": token, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await fetch(`${running.url}/v1/refresh`)).status).toBe(405);
    expect((await post({ "x-upstox-token-csrf": token }, '{"account":"nobody"}')).status).toBe(404);
    expect(loginCount(emulator)).toBe(logins);

    const accepted = await post({
      "x-upstox-token-csrf": token,
      origin: `http://${host}`,
      "sec-fetch-site": "same-origin",
    });
    expect(accepted.status).toBe(202);
    await until(
      "the manual refresh",
      async () => (await account(running.url)).last_refresh?.cause === "manual",
    );
    expect(loginCount(emulator)).toBe(logins + 1);
  });
});

describe("remote mode: the secret link", () => {
  test("other devices get 401 without the secret, the page and its data through /s/<secret>/; the log names no secret", async () => {
    const running = await start(folder(), {
      statusServer: { host: "127.0.0.1", secret: SECRET },
      remote: true,
    });
    await running.daemon.runOnce("catch-up");
    for (const path of ["/", "/v1/accounts", "/healthz", "/metrics", "/nothing"]) {
      expect({ path, status: (await fetch(`${running.url}${path}`)).status }).toEqual({ path, status: 401 });
    }
    const wrong = `${SECRET.slice(0, -1)}${SECRET.endsWith("A") ? "B" : "A"}`;
    expect((await fetch(`${running.url}/s/${wrong}/`)).status).toBe(401);
    expect((await fetch(`${running.url}/s//`)).status).toBe(401);
    const bare = await fetch(`${running.url}/s/${SECRET}`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe(`/s/${SECRET}/`);
    const base = `${running.url}/s/${SECRET}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(
      ((await (await fetch(`${base}/v1/accounts`)).json()) as { accounts: unknown[] }).accounts,
    ).toHaveLength(1);
    // The button works through the link too, with the page's token.
    const token = await csrfOf(`${base}/`);
    const press = await fetch(`${base}/v1/refresh`, {
      method: "POST",
      headers: { "x-upstox-token-csrf": token, origin: new URL(running.url).origin },
      body: "{}",
    });
    expect(press.status).toBe(202);

    const said = running.logger.lines.find((l) => String(l.message).includes("remote mode"));
    expect(said?.fields.url).toBe(`${running.url}/s/<statusServer.secret>/`);
    expect(JSON.stringify(running.logger.lines)).not.toContain(SECRET);
  });

  test("beyond loopback without a secret, or with a short one: a config error naming statusServer.secret (exit 2)", async () => {
    const base = {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [{ use: "env", options: { path: "x.env" } }],
    };
    expect(() =>
      validateConfig({ ...base, statusServer: { host: "0.0.0.0" } }, { file: null, baseDir: "/" }),
    ).toThrow(ConfigError);
    expect(() =>
      validateConfig({ ...base, statusServer: { host: "0.0.0.0" } }, { file: null, baseDir: "/" }),
    ).toThrow(/statusServer\.secret/);
    expect(() =>
      validateConfig(
        { ...base, statusServer: { host: "0.0.0.0", secret: "short" } },
        { file: null, baseDir: "/" },
      ),
    ).toThrow(/statusServer\.secret/);
    expect(() =>
      validateConfig({ ...base, statusServer: { host: "::1" } }, { file: null, baseDir: "/" }),
    ).not.toThrow();

    const dir = folder();
    const file = writeConfig(dir, { ...base, statusServer: { host: "0.0.0.0", port: 0 } });
    const child = Bun.spawn(["bun", DAEMON_BIN, "--config", file], {
      stderr: "pipe",
      stdout: "pipe",
      env: process.env,
    });
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(code).toBe(2);
    expect(stderr).toContain("statusServer.secret");
  });
});

const chromiumPath = findChromium();

test.skipIf(!chromiumPath)(
  "in Chromium, through the secret link: after a restart the page shows the last refresh and its cause; the button refreshes",
  async () => {
    const dir = folder();
    const first = await start(dir);
    await first.daemon.runOnce("catch-up");
    await first.stop();
    const running = await start(dir, { statusServer: { secret: SECRET }, remote: true });
    const browser = await launchChromium(chromiumPath as string);
    try {
      const tab = browser.page;
      await tab.goto(`${running.url}/s/${SECRET}/`);
      await tab.waitForSelector("#live.on");
      const card = '[data-account="main"]';
      const text = (await tab.textContent(card)) ?? "";
      expect(text).not.toContain("never");
      expect(text).toContain("at start-up");
      const sinks = (await account(`${running.url}/s/${SECRET}`)).sinks;
      expect(sinks).toHaveLength(2);
      for (const sink of sinks) expect(text).toContain(`${sink.name}: ok`);

      const logins = loginCount(emulator);
      await tab.click(`${card} button[data-refresh="main"]`);
      await tab.waitForFunction(
        (selector) => document.querySelector(selector)?.textContent?.includes("by hand") ?? false,
        card,
      );
      expect(loginCount(emulator)).toBe(logins + 1);
      expect(await tab.textContent(`${card} .note`)).toContain("refresh started");
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  },
  60_000,
);
