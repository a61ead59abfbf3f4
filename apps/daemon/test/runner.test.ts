import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileLock, msUntilNextTotpWindow, upstoxExpiryMs, userKey } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import type { DaemonEvent } from "../src/observe/event-bus.js";
import { attachNotifications } from "../src/observe/notify.js";
import { type Daemon, startDaemon } from "../src/runner/daemon.js";
import { startEmulatorMode } from "../src/runner/emulator-mode.js";
import { cleanupsAfterEach } from "./support/cleanups.js";
import { FakeClock } from "./support/fake-clock.js";
import {
  accountEntry,
  addUsers,
  demoAccount,
  ist,
  loginCount,
  memoryLogger,
  randomTotpSecret,
  tempDir,
  writeConfig,
} from "./support/helpers.js";
import { injectOtpRateLimit } from "./support/otp-rate-limit.js";
import { freePort } from "./support/wait.js";

let emulator: Emulator;
let clock: FakeClock | undefined;
const cleanups = cleanupsAfterEach(() => {
  clock = undefined;
  emulator.reset();
});

beforeAll(async () => {
  emulator = await startEmulator({ now: () => (clock ? clock.now() : Date.now()) });
});
afterAll(async () => {
  await emulator.close();
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function configFor(raw: Record<string, unknown>) {
  const { dir, cleanup } = tempDir("daemon-runner-");
  cleanups.push(cleanup);
  const config = validateConfig(
    {
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      ...raw,
    },
    { file: null, baseDir: dir },
  );
  return { config, dir };
}

async function start(
  options: Parameters<typeof startDaemon>[0],
): Promise<{ daemon: Daemon; events: DaemonEvent[] }> {
  const daemon = await startDaemon({ logger: memoryLogger(), ...options });
  const events: DaemonEvent[] = [];
  daemon.events.on((event) => {
    events.push(event);
  });
  cleanups.push(() => daemon.stop());
  return { daemon, events };
}

describe("catch-up at start (fake clock)", () => {
  test("started at 09:00 IST with an expired token: refreshes at once; with a valid token: no login", async () => {
    clock = new FakeClock(ist("2026-11-22T09:00"));
    const { config } = configFor({ accounts: [accountEntry(emulator, demoAccount())] });

    // Day 1: a token is obtained; it dies at 03:30 IST on the 23rd.
    const first = await start({ config, clock, schedule: true });
    const day1 = await first.daemon.caughtUp!;
    expect(day1.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    await first.daemon.stop();
    expect(loginCount(emulator)).toBe(1);

    // Day 2, 09:00 IST: the stored token expired at 03:30. A new daemon logs in at once.
    clock = new FakeClock(ist("2026-11-23T09:00"));
    const second = await start({ config, clock, schedule: true });
    const day2 = await second.daemon.caughtUp!;
    expect(day2.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(loginCount(emulator)).toBe(2);
    expect(second.daemon.status()[0]?.expiresAt).toBe(ist("2026-11-24T03:30"));
    await second.daemon.stop();

    // Same day, 10:00 IST: the token is valid; a restarted daemon does not log in.
    clock = new FakeClock(ist("2026-11-23T10:00"));
    const third = await start({ config, clock, schedule: true });
    const day2b = await third.daemon.caughtUp!;
    expect(day2b.accounts[0]).toMatchObject({
      result: "served",
      record: { expiresAt: ist("2026-11-24T03:30") },
    });
    expect(third.events.map((e) => e.type)).toContain("served");
    expect(loginCount(emulator)).toBe(2);
    // …and its next run is the scheduled one after the 03:30 expiry.
    const next = third.daemon.status()[0]?.nextRunAt ?? 0;
    expect(next).toBeGreaterThanOrEqual(ist("2026-11-24T03:35"));
    expect(next).toBeLessThan(ist("2026-11-24T03:37"));
  });

  test("the schedule runs at 03:35 IST + the account's jitter, every day, logging in each time", async () => {
    clock = new FakeClock(ist("2026-11-23T09:00"));
    const { config } = configFor({ accounts: [accountEntry(emulator, demoAccount("jittered"))] });
    const { daemon, events } = await start({ config, clock, schedule: true });
    await daemon.caughtUp;
    await clock.advanceTo(ist("2026-11-26T12:00"), () => daemon.idle());
    const runs = events.filter((e) => e.type === "refreshing").map((e) => e.at);
    expect(runs).toHaveLength(4); // catch-up + 3 mornings
    const jitter = runs[1]! - ist("2026-11-24T03:35");
    expect(jitter).toBeGreaterThanOrEqual(0);
    expect(jitter).toBeLessThan(120_000);
    expect(runs.slice(1)).toEqual([
      ist("2026-11-24T03:35") + jitter,
      ist("2026-11-25T03:35") + jitter,
      ist("2026-11-26T03:35") + jitter,
    ]);
    expect(loginCount(emulator)).toBe(4);
    expect(daemon.status()[0]?.expiresAt).toBe(ist("2026-11-27T03:30"));
  });
});

describe("failures", () => {
  test("wrong PIN on one of three accounts: reported, never retried, the PIN sent once; the others refresh", async () => {
    const [a, b, c] = addUsers(emulator, 3, "pin");
    const { config } = configFor({
      accounts: [
        accountEntry(emulator, a!),
        accountEntry(emulator, { ...b!, pin: b!.pin === "111111" ? "222222" : "111111" }),
        accountEntry(emulator, c!),
      ],
      retry: { attempts: 5, baseMs: 10, maxMs: 20 },
    });
    const logger = memoryLogger();
    const { daemon, events } = await start({ config, schedule: false, logger });
    const summary = await daemon.runOnce();
    expect(summary.ok).toBe(false);
    expect(summary.accounts.map((o) => o.result)).toEqual(["refreshed", "failed", "refreshed"]);
    expect(summary.accounts[1]).toMatchObject({ attempts: 1, permanent: true, error: { code: "WRONG_PIN" } });

    const failed = events.filter((e) => e.type === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ account: b!.name, permanent: true, attempt: 1 });
    expect(emulator.steps("2fa").filter((e) => e.account === b!.mobile)).toHaveLength(1);
    expect(daemon.status()[1]?.lastError?.code).toBe("WRONG_PIN");
    const loud = logger.lines.find((l) => l.level === "error" && l.fields.account === b!.name);
    expect(loud?.message).toContain("NEEDS ATTENTION");

    // A second pass (the next cycle) does not send it again either: suspended until a reload.
    const again = await daemon.runOnce();
    expect(again.accounts[1]?.result).toBe("suspended");
    expect(emulator.steps("2fa").filter((e) => e.account === b!.mobile)).toHaveLength(1);
    expect(JSON.stringify(logger.lines)).not.toContain(b!.pin);
  });

  test("transient faults (5xx, timeout, 429): the daemon recovers; every backoff stays within its cap", async () => {
    emulator.inject({ path: "/login/open/v6/auth/1fa/otp/generate", status: 503, count: 1 });
    emulator.inject({ path: "/v2/login/authorization/dialog", delayMs: 1_500, count: 1 });
    emulator.inject({ path: "/v2/login/authorization/token", status: 429, count: 1 });
    const { config } = configFor({
      accounts: [accountEntry(emulator, demoAccount())],
      retry: { attempts: 6, baseMs: 40, maxMs: 150 },
      timeoutMs: 500,
    });
    const delays: number[] = [];
    const { daemon, events } = await start({
      config,
      schedule: false,
      sleep: async (ms) => {
        delays.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    // The logins take about 2 s on the real clock: start them early in a TOTP window, so the flow never waits
    // for the next one (that wait would go through the same sleep and be counted as a backoff).
    if (msUntilNextTotpWindow(Date.now()) < 12_000) {
      await new Promise((r) => setTimeout(r, msUntilNextTotpWindow(Date.now()) + 50));
    }
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true, attempts: 4 });
    const codes = events.flatMap((e) => (e.type === "retrying" ? [e.error.code] : []));
    expect(codes).toEqual(["TIMEOUT", "UPSTOX_API", "RATE_LIMITED"]);
    expect(delays).toHaveLength(3);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(150);
    }
    expect(loginCount(emulator)).toBe(1);
  }, 30_000);

  test("no answer to the PIN step (502): the cycle stops without sending the PIN again", async () => {
    emulator.inject({ path: "/login/open/v3/auth/2fa", status: 502, count: 1 });
    const { config } = configFor({
      accounts: [accountEntry(emulator, demoAccount())],
      retry: { attempts: 5, baseMs: 10, maxMs: 20 },
    });
    const { daemon } = await start({ config, schedule: false });
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]).toMatchObject({ result: "failed", attempts: 1, permanent: false });
    expect(emulator.steps("2fa")).toHaveLength(1);
  });

  test("a wrong TOTP is retried once inside the same OTP session: 1 generate, 2 verifies, no PIN", async () => {
    clock = new FakeClock(ist("2026-11-23T09:00") + 10_000);
    const { config } = configFor({
      accounts: [accountEntry(emulator, { ...demoAccount(), totpSecret: randomTotpSecret() })],
      retry: { attempts: 5, baseMs: 10, maxMs: 20 },
    });
    const fake = clock;
    const waits: number[] = [];
    const { daemon, events } = await start({
      config,
      clock,
      schedule: false,
      sleep: async (ms) => {
        waits.push(ms);
        await fake.advanceTo(fake.now() + ms);
      },
    });
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]).toMatchObject({
      result: "failed",
      attempts: 1,
      permanent: false,
      error: { code: "WRONG_TOTP" },
    });
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    expect(emulator.steps("otp-verify")).toHaveLength(2);
    expect(emulator.steps("2fa")).toHaveLength(0);
    // The second code is the next 30 s window's: the flow waited for it.
    expect(waits.some((ms) => ms >= 1_000 && ms <= 31_000)).toBe(true);
    expect(events.filter((e) => e.type === "refreshing")).toHaveLength(1);
  });

  test("one rejected TOTP then a good one: 1 generate, 2 verifies, 1 PIN, token stored", async () => {
    clock = new FakeClock(ist("2026-11-23T09:00") + 10_000);
    const { config } = configFor({ accounts: [accountEntry(emulator, demoAccount())] });
    const fake = clock;
    emulator.rejectTotp(1);
    const { daemon } = await start({
      config,
      clock,
      schedule: false,
      sleep: async (ms) => fake.advanceTo(fake.now() + ms),
    });
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true, attempts: 1 });
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    expect(emulator.steps("otp-verify")).toHaveLength(2);
    expect(emulator.steps("2fa")).toHaveLength(1);
    expect(loginCount(emulator)).toBe(1);
  });

  test("OTP rate limit (1017069): one OTP request, RATE_LIMITED with the retry time, retried after the cooldown", async () => {
    clock = new FakeClock(ist("2026-11-23T09:00"));
    const { config } = configFor({
      accounts: [accountEntry(emulator, demoAccount())],
      retry: { attempts: 5, baseMs: 10, maxMs: 20 },
    });
    injectOtpRateLimit(emulator, { count: 1 });
    const logger = memoryLogger();
    const { daemon, events } = await start({ config, clock, schedule: true, logger });
    const first = await daemon.caughtUp!;
    const startedAt = ist("2026-11-23T09:00");
    expect(first.accounts[0]).toMatchObject({
      result: "rate-limited",
      attempts: 1,
      retryAt: startedAt + 600_000,
      error: { code: "RATE_LIMITED" },
    });
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    const limited = events.find((e) => e.type === "rate-limited");
    expect(limited).toMatchObject({ account: "demo", retryAt: startedAt + 600_000 });
    expect(daemon.status()[0]?.nextRunAt).toBe(startedAt + 600_000);
    expect(logger.lines.some((l) => l.level === "error" && l.message?.includes("rate-limited"))).toBe(true);

    // Nothing is sent before the cooldown ends...
    await clock.advanceTo(startedAt + 599_000, () => daemon.idle());
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    // ...and the next cycle runs when it does.
    await clock.advanceTo(startedAt + 600_000, () => daemon.idle());
    await daemon.idle();
    expect(emulator.steps("otp-generate")).toHaveLength(2);
    expect(loginCount(emulator)).toBe(1);
    expect(daemon.status()[0]?.expiresAt).toBe(ist("2026-11-24T03:30"));
  });

  test("verifyOnStart: a stored token Upstox refuses is replaced at start-up; a good one costs one profile call", async () => {
    const { config } = configFor({ accounts: [accountEntry(emulator, demoAccount())] });
    const first = await start({ config, schedule: false });
    expect((await first.daemon.runOnce()).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    await first.daemon.stop();
    // The new token was checked once before it was stored (a JWT with a future exp, accepted by the profile call).
    expect(emulator.steps("profile")).toHaveLength(1);
    emulator.clearLog();

    const again = await start({ config, schedule: true });
    expect((await again.daemon.caughtUp!).accounts[0]?.result).toBe("served");
    await again.daemon.stop();
    expect(emulator.steps("profile")).toHaveLength(1);
    expect(loginCount(emulator)).toBe(0);

    emulator.inject({ path: "/v2/user/profile", status: 401, count: 1 });
    const logger = memoryLogger();
    const third = await start({ config, schedule: true, logger });
    expect((await third.daemon.caughtUp!).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(loginCount(emulator)).toBe(1);
    expect(logger.lines.some((l) => l.message?.includes("Upstox refused the stored token"))).toBe(true);
  });
});

describe("the fallback chain", () => {
  test("headless login out of attempts: the token request runs in the same cycle, onFallback fires, the token is stored", async () => {
    const port = await freePort();
    const mode = await startEmulatorMode(memoryLogger());
    cleanups.push(() => mode.close());
    mode.emulator.inject({
      path: "/login/open/v6/auth/1fa/otp/generate",
      status: 503,
      count: Number.POSITIVE_INFINITY,
    });
    const { dir, cleanup } = tempDir("daemon-fallback-");
    cleanups.push(cleanup);
    const entry = accountEntry(emulator, demoAccount("main"));
    const config = validateConfig(
      {
        accounts: [{ ...entry, fallback: ["token-request"], notifierPort: port, loginTimeoutMs: 10_000 }],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        lock: { use: "file", path: "locks" },
        retry: { attempts: 2, baseMs: 10, maxMs: 20 },
        // Escalate at once whatever the time of day (the morning's quiet part has its own tests).
        morning: { escalateAt: "03:30" },
      },
      { file: null, baseDir: dir },
    );
    const logger = memoryLogger();
    const { daemon, events } = await start({
      config,
      schedule: false,
      logger,
      transformConfig: mode.transformConfig,
      fetch: mode.fetch,
    });
    const marker = join(dir, "fallback.txt");
    const hooks = attachNotifications(
      daemon.events,
      {
        onFallback: {
          command: `echo "$UPSTOX_EVENT $UPSTOX_ACCOUNT $UPSTOX_FALLBACK_FROM>$UPSTOX_FALLBACK_TO" > "${marker}"`,
        },
      },
      logger,
    );
    const summary = await daemon.runOnce();
    await hooks.settled();
    hooks();
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(mode.emulator.steps("otp-generate")).toHaveLength(2);
    expect(mode.emulator.steps("token-request")).toHaveLength(1);
    expect(events.find((e) => e.type === "fallback")).toMatchObject({ from: "totp", to: "token-request" });
    expect(events.some((e) => e.type === "failed" || e.type === "rate-limited")).toBe(false);
    expect(readFileSync(marker, "utf8").trim()).toBe("fallback main totp>token-request");
    expect(logger.lines.some((l) => l.message?.includes("falling back to the token request"))).toBe(true);
  });

  test("a Cloudflare-blocked headless login: BLOCKED, no retry loop, the token request runs in the same cycle", async () => {
    const port = await freePort();
    const mode = await startEmulatorMode(memoryLogger());
    cleanups.push(() => mode.close());
    // Every login-service request gets the firewall's challenge page; the public API (v3 request) does not.
    mode.emulator.cloudflareChallenge({ path: /^\/login\/open\//, count: Number.POSITIVE_INFINITY });
    const { dir, cleanup } = tempDir("daemon-blocked-fallback-");
    cleanups.push(cleanup);
    const entry = accountEntry(emulator, demoAccount("main"));
    const config = validateConfig(
      {
        accounts: [{ ...entry, fallback: ["token-request"], notifierPort: port, loginTimeoutMs: 10_000 }],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        lock: { use: "file", path: "locks" },
        retry: { attempts: 5, baseMs: 10, maxMs: 20 },
        morning: { escalateAt: "03:30" },
      },
      { file: null, baseDir: dir },
    );
    const logger = memoryLogger();
    const { daemon, events } = await start({
      config,
      schedule: false,
      logger,
      transformConfig: mode.transformConfig,
      fetch: mode.fetch,
    });
    const marker = join(dir, "fallback.txt");
    const hooks = attachNotifications(
      daemon.events,
      { onFallback: { command: `echo "$UPSTOX_FALLBACK_FROM>$UPSTOX_FALLBACK_TO" > "${marker}"` } },
      logger,
    );
    const summary = await daemon.runOnce();
    await hooks.settled();
    hooks();
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    // At most two generates per cycle (here one: BLOCKED is not retried), no PIN, then the official flow.
    expect(mode.emulator.steps("otp-generate").length).toBeLessThanOrEqual(2);
    expect(mode.emulator.steps("2fa")).toHaveLength(0);
    expect(mode.emulator.steps("token-request")).toHaveLength(1);
    expect(events.find((e) => e.type === "fallback")).toMatchObject({ from: "totp", to: "token-request" });
    expect(readFileSync(marker, "utf8").trim()).toBe("totp>token-request");
    // One headless attempt, refused as BLOCKED (never blamed on the credentials), then the fallback.
    expect(events.filter((e) => e.type === "refreshing")).toHaveLength(2);
    const fallback = events.find((e) => e.type === "fallback") as { error: { code: string; hint?: string } };
    expect(fallback.error.code).toBe("BLOCKED");
    expect(fallback.error.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE|PIN|secret/);
  });

  test("a wrong PIN never falls back; the config refuses a fallback without its credentials", async () => {
    const { config } = configFor({
      accounts: [
        accountEntry(emulator, { ...demoAccount(), pin: "111111" }, { fallback: ["token-request"] }),
      ],
    });
    const { daemon, events } = await start({ config, schedule: false });
    expect((await daemon.runOnce()).accounts[0]).toMatchObject({
      result: "failed",
      permanent: true,
      error: { code: "WRONG_PIN" },
    });
    expect(events.some((e) => e.type === "fallback")).toBe(false);
    expect(emulator.steps("token-request")).toHaveLength(0);

    expect(() =>
      configFor({
        accounts: [
          {
            name: "x",
            flow: "browser",
            fallback: ["browser"],
            credentials: { clientId: "id", redirectUri: "http://127.0.0.1:1/cb" },
          },
        ],
      }),
    ).toThrow(/is already the account's flow/);
  });
});

describe("the account lock and refreshNow", () => {
  test("a held lock: the daemon logs whose it is and since when, then refreshes once it is free", async () => {
    const { config, dir } = configFor({ accounts: [accountEntry(emulator, demoAccount())] });
    const other = new FileLock({ dir: join(dir, "locks") });
    // Keyed by the Upstox user (mobile number and client id), whatever the account is called.
    const held = await other.acquire(userKey({ mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey }), {
      waitMs: 0,
    });
    const logger = memoryLogger();
    const { daemon, events } = await start({ config, schedule: false, logger });
    const run = daemon.runOnce();
    await until(() => events.some((e) => e.type === "waiting-for-lock"));
    const line = logger.lines.find((l) => l.message?.startsWith("waiting for account demo's lock"));
    expect(line?.level).toBe("warn");
    expect(line?.message).toMatch(/by pid \d+ on .+, held since \d{4}-\d\d-\d\dT/);
    expect(loginCount(emulator)).toBe(0);
    await held!.release();
    expect((await run).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    await other.close();
  });

  test("refreshNow(account, reason, { force }) logs in even with a valid token stored; without force it serves it", async () => {
    const { config } = configFor({ accounts: [accountEntry(emulator, demoAccount())] });
    const { daemon } = await start({ config, schedule: false });
    await daemon.runOnce();
    expect(await daemon.refreshNow("demo", "test")).toMatchObject({ result: "served" });
    expect(await daemon.refreshNow("demo", "upstox refused the token", { force: true })).toMatchObject({
      result: "refreshed",
      loggedIn: true,
    });
    expect(loginCount(emulator)).toBe(2);
  });
});

describe("reload and stop", () => {
  test("reload: an invalid config keeps the old one running; a valid one takes over", async () => {
    clock = new FakeClock(ist("2026-11-23T09:00"));
    const { dir, cleanup } = tempDir("daemon-reload-");
    cleanups.push(cleanup);
    const base = {
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
    };
    const file = writeConfig(dir, { ...base, accounts: [accountEntry(emulator, demoAccount("one"))] });
    const logger = memoryLogger();
    const { daemon } = await start({ configPath: file, clock, schedule: true, logger });
    await daemon.caughtUp;

    writeFileSync(file, "{ not json");
    const bad = await daemon.reload();
    expect(bad.ok).toBe(false);
    expect(daemon.config.accounts.map((a) => a.name)).toEqual(["one"]);
    expect(logger.lines.some((l) => l.message?.includes("still running on the previous config"))).toBe(true);

    writeConfig(dir, {
      ...base,
      accounts: [accountEntry(emulator, demoAccount("one")), accountEntry(emulator, demoAccount("two"))],
    });
    const good = await daemon.reload();
    expect(good.ok).toBe(true);
    await daemon.idle();
    expect(daemon.status().map((s) => s.account)).toEqual(["one", "two"]);
    expect(
      daemon.status().every((s) => s.nextRunAt !== null && s.expiresAt === upstoxExpiryMs(clock!.now())),
    ).toBe(true);
  });

  test("stop() during a slow login aborts it promptly and writes nothing", async () => {
    emulator.setLatency(2_000);
    cleanups.push(() => emulator.setLatency(0));
    const { config, dir } = configFor({
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "env", options: { path: "out.env" } }],
    });
    const { daemon } = await start({ config, schedule: false });
    const run = daemon.runOnce();
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await daemon.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await run).accounts[0]?.result).toBe("aborted");
    expect(await Bun.file(join(dir, "out.env")).exists()).toBe(false);
  });
});

describe("other flows", () => {
  test("token-request flow under --emulator: the notifier receives the approved token", async () => {
    const port = await freePort();
    const mode = await startEmulatorMode(memoryLogger());
    cleanups.push(() => mode.close());
    const { dir, cleanup } = tempDir("daemon-flow-");
    cleanups.push(cleanup);
    const entry = accountEntry(emulator, demoAccount("phone"));
    const config = validateConfig(
      {
        accounts: [
          {
            name: "phone",
            flow: "token-request",
            notifierPort: port,
            loginTimeoutMs: 10_000,
            credentials: {
              clientId: entry.credentials.clientId,
              clientSecret: entry.credentials.clientSecret,
              redirectUri: entry.credentials.redirectUri,
              // A token-request-only account must name its user (or have learnt it from a login).
              ucc: DEMO_USER.userId,
            },
          },
        ],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        lock: { use: "file", path: "locks" },
      },
      { file: null, baseDir: dir },
    );
    const { daemon } = await start({
      config,
      schedule: false,
      transformConfig: mode.transformConfig,
      fetch: mode.fetch,
    });
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(mode.emulator.steps("token-request")).toHaveLength(1);
  });
});
