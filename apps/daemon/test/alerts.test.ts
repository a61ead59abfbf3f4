// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the daemon config's interpolation syntax
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import {
  createToken,
  SecretRedactor,
  stateLayout,
  toRecord,
  UpstoxTokenError,
  userKey,
} from "@upstox-token/core";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { loadConfigFile, validateConfig } from "../src/config/load-config.js";
import { problemMessage } from "../src/observe/alerts/alert-text.js";
import { type AlertsHandle, attachAlerts } from "../src/observe/alerts/attach-alerts.js";
import { DaemonEvents } from "../src/observe/event-bus.js";
import { registerConfigSecrets } from "../src/observe/secret-scrub.js";
import { type Daemon, startDaemon } from "../src/runner/daemon.js";
import { fakeBotApi } from "./support/capture-server.js";
import { FakeClock } from "./support/fake-clock.js";
import { accountEntry, demoAccount, ist, memoryLogger, tempDir, writeConfig } from "./support/helpers.js";

const BOT_TOKEN = "987654:telegram-bot-token-for-tests";
let emulator: Emulator;
let clock: FakeClock | undefined;
let api: Awaited<ReturnType<typeof fakeBotApi>>;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ now: () => (clock ? clock.now() : Date.now()) });
  api = await fakeBotApi(BOT_TOKEN);
});
afterAll(async () => {
  await emulator.close();
  await api.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  clock = undefined;
  emulator.reset();
  api.requests.length = 0;
});

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const texts = () => api.requests.map((r) => JSON.parse(r.body).text as string);

function setup(account: Record<string, unknown>) {
  const { dir, cleanup } = tempDir("daemon-alerts-");
  cleanups.push(cleanup);
  const config = validateConfig(
    {
      accounts: [account],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
      alerts: { telegram: { botToken: BOT_TOKEN, chatId: 42, apiBase: api.url }, retryDelayMs: 10 },
    },
    { file: null, baseDir: dir },
  );
  registerConfigSecrets(config);
  return { config, stateDir: `${dir}/state` };
}

async function run(setupResult: ReturnType<typeof setup>) {
  const logger = memoryLogger();
  const daemon: Daemon = await startDaemon({ config: setupResult.config, clock, schedule: true, logger });
  const alerts = attachAlerts(daemon.events, daemon.config, {
    logger,
    stateDir: setupResult.stateDir,
  }) as AlertsHandle;
  const stop = async () => {
    await daemon.stop();
    alerts.detach();
    await alerts.settled();
  };
  cleanups.push(stop);
  return { daemon, alerts, stop };
}

const OTP_GENERATE = "/login/open/v6/auth/1fa/otp/generate";

describe("alerts: one message per incident", () => {
  test("a wrong-PIN morning: exactly one Telegram message, saying what to do, with no PIN in it", async () => {
    clock = new FakeClock(ist("2026-11-23T03:35"));
    const s = setup(accountEntry(emulator, { ...demoAccount("main"), pin: "135790" }));
    const { daemon } = await run(s);
    await daemon.caughtUp;
    await until(() => api.requests.length >= 1);
    // The account is paused; the rest of the morning adds nothing.
    await clock.advanceTo(ist("2026-11-23T10:00"), () => daemon.idle());
    await daemon.idle();
    expect(api.requests).toHaveLength(1);
    const [text] = texts();
    if (process.env.SHOW_ALERTS) console.log(texts().join("\n----\n"));
    expect(text).toContain("main: PIN refused");
    expect(text).toContain("What happened:");
    expect(text).toContain("will NOT send this PIN again");
    expect(text).toMatch(/Fix the PIN .* reload/);
    expect(text).not.toContain("135790");
    expect(text).not.toContain(Buffer.from("135790").toString("base64"));
    expect(text).not.toContain(DEMO_USER.totpSecret);
    expect(text).not.toContain(DEMO_APP.apiSecret);
    expect(JSON.parse(api.requests[0]!.body).chat_id).toBe(42);
  });

  test("an outage morning saved after 07:00: one problem at 07:00, one resolution, nothing else", async () => {
    clock = new FakeClock(ist("2026-11-23T03:35"));
    emulator.inject({ path: OTP_GENERATE, status: 503, count: Number.POSITIVE_INFINITY });
    const s = setup(accountEntry(emulator, demoAccount("main")));
    const { daemon, alerts } = await run(s);
    await daemon.caughtUp;
    await clock.advanceTo(ist("2026-11-23T06:59"), () => daemon.idle());
    await alerts.settled();
    expect(api.requests).toHaveLength(0);
    await clock.advanceTo(ist("2026-11-23T07:30"), () => daemon.idle());
    await until(() => api.requests.length >= 1);
    expect(texts()[0]).toContain("main: login failing");
    expect(texts()[0]).toContain("until market open (09:15 IST)");
    emulator.clearFaults();
    await clock.advanceTo(ist("2026-11-23T09:30"), () => daemon.idle());
    await until(() => api.requests.length >= 2);
    await alerts.settled();
    expect(api.requests).toHaveLength(2);
    expect(texts()[1]).toContain("resolved (login failing)");
    expect(texts()[1]).toContain("has a fresh token");
    if (process.env.SHOW_ALERTS) console.log(texts().join("\n----\n"));
  });

  test("an outage saved before 07:00 sends nothing (the person slept through it)", async () => {
    clock = new FakeClock(ist("2026-11-23T03:35"));
    emulator.inject({ path: OTP_GENERATE, status: 503, count: Number.POSITIVE_INFINITY });
    const s = setup(accountEntry(emulator, demoAccount("main")));
    const { daemon, alerts } = await run(s);
    await daemon.caughtUp;
    await clock.advanceTo(ist("2026-11-23T05:00"), () => daemon.idle());
    emulator.clearFaults();
    await clock.advanceTo(ist("2026-11-23T09:30"), () => daemon.idle());
    await alerts.settled();
    expect(daemon.status()[0]?.lastRefreshAt).not.toBeNull();
    expect(api.requests).toHaveLength(0);
  });

  test("incident state survives a restart: no second problem message, the resolution still comes", async () => {
    clock = new FakeClock(ist("2026-11-23T07:05"));
    emulator.inject({ path: OTP_GENERATE, status: 503, count: Number.POSITIVE_INFINITY });
    const s = setup(accountEntry(emulator, demoAccount("main")));
    const first = await run(s);
    await first.daemon.caughtUp;
    await until(() => api.requests.length >= 1);
    await first.stop();
    const file = stateLayout.incident(
      s.stateDir,
      userKey({ mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey }),
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain('"login-failing"');

    const second = await run(s);
    await second.daemon.caughtUp;
    await clock.advanceTo(ist("2026-11-23T07:40"), () => second.daemon.idle());
    await second.alerts.settled();
    expect(api.requests).toHaveLength(1);
    emulator.clearFaults();
    await clock.advanceTo(ist("2026-11-23T08:30"), () => second.daemon.idle());
    await until(() => api.requests.length >= 2);
    expect(texts()[1]).toContain("resolved");
    expect(readFileSync(file, "utf8")).not.toContain('"login-failing"');
  });
});

describe("alert text and sink incidents", () => {
  test("every text passes the redactor: no PIN, no secret, no JWT even when Upstox echoes them", () => {
    const redactor = new SecretRedactor().add("246810").add("JBSWY3DPEHPK3PXPTOTPSECRET");
    const jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQjEyMzQiLCJleHAiOjE3OTUwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    const message = problemMessage(
      {
        account: "main",
        kind: "login-failing",
        openedAt: ist("2026-11-23T07:00"),
        notifiedAt: null,
        code: "NETWORK",
      },
      {
        message: `bad PIN 246810 for JBSWY3DPEHPK3PXPTOTPSECRET, token ${jwt}`,
        hint: "PIN 246810",
        fallbackTo: "token-request",
        morning: { escalateAt: "07:00", marketOpen: "09:15", retryBaseMs: 60_000, retryMaxMs: 900_000 },
        now: ist("2026-11-23T07:00"),
      },
      redactor,
    );
    const all = `${message.title}\n${message.body}`;
    expect(all).not.toContain("246810");
    expect(all).not.toContain("JBSWY3DPEHPK3PXPTOTPSECRET");
    expect(all).not.toContain(jwt);
    expect(all).toContain("approve it in the Upstox app");
    expect(all).toContain("What you can do:");
  });

  test("a lagging sink: one message however many cycles fail it, resolved when it is caught up", async () => {
    const { dir, cleanup } = tempDir("daemon-alerts-sink-");
    cleanups.push(cleanup);
    const s = setup(accountEntry(emulator, demoAccount("main")));
    const events = new DaemonEvents();
    const alerts = attachAlerts(events, s.config, { logger: memoryLogger(), stateDir: dir }) as AlertsHandle;
    cleanups.push(() => alerts.detach());
    const at = ist("2026-11-23T12:00");
    const error = new UpstoxTokenError("SINK_FAILED", "ECONNREFUSED 127.0.0.1:6379");
    for (let i = 0; i < 3; i++) {
      events.emit({ type: "refreshing", account: "main", attempt: 1, at: at + i });
      events.emit({ type: "sink-failed", account: "main", sink: "redis", error, at: at + i });
    }
    const token = createToken({
      accessToken: "token-1",
      profile: { userId: "AB1234" },
      receivedAt: at,
      source: "totp",
    });
    const record = toRecord("main", token, 1);
    events.emit({ type: "synced", account: "main", record, sinks: ["redis"], at: at + 60_000 });
    await alerts.settled();
    expect(texts()).toHaveLength(2);
    expect(texts()[0]).toContain("could not be written to redis");
    expect(texts()[0]).toContain("ECONNREFUSED");
    expect(texts()[1]).toContain("resolved (token not written to a sink)");
  });
});

describe("alerts config", () => {
  test("a channel's secret comes from ${VAR}; a missing field is a config error naming it and the fix", async () => {
    const { dir, cleanup } = tempDir("daemon-alerts-config-");
    cleanups.push(cleanup);
    const base = {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
    };
    const file = writeConfig(dir, {
      ...base,
      alerts: { telegram: { botToken: "${TG_TOKEN}", chatId: 7 }, ntfy: { topic: "upstox-x1" } },
    });
    const config = await loadConfigFile({ path: file, env: { TG_TOKEN: "111:from-the-environment" } });
    expect(config.alerts?.telegram).toEqual({
      botToken: "111:from-the-environment",
      chatId: 7,
      apiBase: "https://api.telegram.org",
    });
    expect(config.alerts?.ntfy?.url).toBe("https://ntfy.sh");
    expect(config.alerts?.attempts).toBe(3);

    const bad = () =>
      validateConfig(
        { ...base, alerts: { telegram: { botToken: "x:y" }, slack: { webhookUrl: "not a url" } } },
        { file: null, baseDir: dir },
      );
    expect(bad).toThrow(/alerts\.telegram\.chatId/);
    expect(bad).toThrow(/alerts\.slack\.webhookUrl: must be an http\(s\) URL/);
    const early = () =>
      validateConfig({ ...base, morning: { escalateAt: "10:00" } }, { file: null, baseDir: dir });
    expect(early).toThrow(/morning\.escalateAt: escalateAt must come before marketOpen/);
  });

  test("two accounts of one Upstox user share incident.json without overwriting each other", async () => {
    const { dir, cleanup } = tempDir("daemon-alerts-shared-");
    cleanups.push(cleanup);
    const config = validateConfig(
      {
        accounts: [accountEntry(emulator, demoAccount("a")), accountEntry(emulator, demoAccount("b"))],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        alerts: { telegram: { botToken: BOT_TOKEN, chatId: 42, apiBase: api.url } },
      },
      { file: null, baseDir: dir },
    );
    const events = new DaemonEvents();
    const alerts = attachAlerts(events, config, { logger: memoryLogger(), stateDir: dir }) as AlertsHandle;
    cleanups.push(() => alerts.detach());
    const at = ist("2026-11-23T12:00");
    const error = new UpstoxTokenError("WRONG_PIN", "refused");
    // How the engine ends a cycle on a wrong PIN: one `failed`, permanent (retry-policy's verdict).
    const failed = { type: "failed", error, attempt: 1, reason: "WRONG_PIN", permanent: true } as const;
    events.emit({ ...failed, account: "a", at });
    events.emit({ ...failed, account: "b", at });
    events.emit({ ...failed, account: "a", at: at + 1 });
    await alerts.settled();
    expect(texts()).toHaveLength(2);
    const file = stateLayout.incident(dir, userKey({ mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey }));
    const saved = JSON.parse(readFileSync(file, "utf8")).incidents as { account: string }[];
    expect(saved.map((i) => i.account).sort()).toEqual(["a", "b"]);
  });
});
