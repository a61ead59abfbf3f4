import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { configKey, stateLayout, userStateFor } from "@upstox-token/core/internal";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { cleanupsAfterEach, trackedTempDir } from "./support/cleanups.js";
import { runDaemon, spawnDaemon } from "./support/daemon-process.js";
import { accountEntry, addUsers, demoAccount, loginCount, writeConfig } from "./support/helpers.js";
import { injectOtpRateLimit } from "./support/otp-rate-limit.js";
import { until as waitUntil } from "./support/wait.js";

let emulator: Emulator;
const cleanups = cleanupsAfterEach(() => {
  emulator.reset();
  emulator.setLatency(0);
});
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const dir = () => trackedTempDir(cleanups, "daemon-state-");

/** The state folder this test runs with (test/support/isolated-state.ts). */
const stateDir = () => process.env.UPSTOX_STATE_DIR!;

/** This file's waits: 15 s, polled every 20 ms. */
const until = (condition: () => boolean, what: string) => waitUntil(condition, what, 15_000, 20);

const sqlite = { use: "sqlite", options: { path: "tokens.db" } };

describe("a refused PIN is remembered across processes", () => {
  test("three --once runs with a wrong PIN send the PIN once in total; a changed PIN clears the record", async () => {
    const folder = dir();
    const wrong = { ...demoAccount("main"), pin: "000000" };
    const file = writeConfig(folder, { accounts: [accountEntry(emulator, wrong)], sinks: [sqlite] });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runDaemon(["--once", "--config", file]));
    expect(emulator.steps("2fa")).toHaveLength(1);
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(runs[0]!.stdout).toContain("WRONG_PIN");
    for (const run of runs.slice(1)) {
      expect(run.stdout).toContain("PIN_REFUSED_BEFORE");
      expect(run.stdout).toMatch(
        /refused this PIN at \d{4}-\d\d-\d\d \d\d:\d\d IST; no process sends it again/,
      );
      expect(run.stdout).toContain("refused-pin.json");
    }
    // Nothing at all went to Upstox in the later runs: no OTP request either.
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    const state = userStateFor(stateDir(), { mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey });
    const record = readFileSync(state.refusedPin.file, "utf8");
    expect(record).not.toContain(wrong.pin);
    expect(JSON.stringify(runs)).not.toContain(wrong.pin);

    writeConfig(folder, { accounts: [accountEntry(emulator, demoAccount("main"))], sinks: [sqlite] });
    const fixed = await runDaemon(["--once", "--config", file]);
    expect(fixed.code).toBe(0);
    expect(emulator.steps("2fa")).toHaveLength(2);
    expect(existsSync(state.refusedPin.file)).toBe(false);
    // The first verified login taught the account's identity.
    expect(state.identity.recall()).toBe(DEMO_USER.userId);
  }, 60_000);
});

describe("a rate limit holds for every process of the user", () => {
  test("after a RATE_LIMITED --once, the next --once sends no request to Upstox and names the time", async () => {
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [sqlite],
    });
    injectOtpRateLimit(emulator);
    const first = await runDaemon(["--once", "--config", file]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain("RATE_LIMITED");
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    const requests = emulator.log.length;
    const second = await runDaemon(["--once", "--config", file]);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/next try: not before \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? IST/);
    expect(emulator.log).toHaveLength(requests);
  }, 60_000);
});

describe("locks are keyed by the Upstox user, not the account's name", () => {
  test("two configs with an account `main` for different users: two --once runs at once do not wait on each other", async () => {
    const [a, b] = addUsers(emulator, 2);
    const files = [a!, b!].map((user) =>
      writeConfig(dir(), { accounts: [accountEntry(emulator, { ...user, name: "main" })], sinks: [sqlite] }),
    );
    emulator.setLatency(150);
    const [ra, rb] = await Promise.all(files.map((file) => runDaemon(["--once", "--config", file])));
    expect([ra!.code, rb!.code]).toEqual([0, 0]);
    expect(ra!.stderr + rb!.stderr).not.toContain("waiting for account main's lock");
    // The two logins overlapped at the emulator.
    const span = (mobile: string) => {
      const times = emulator.log.filter((e) => e.account === mobile).map((e) => e.at);
      return [Math.min(...times), Math.max(...times)] as const;
    };
    const [sa, sb] = [span(a!.mobile), span(b!.mobile)];
    expect(sa[0] < sb[1] && sb[0] < sa[1]).toBe(true);
  }, 60_000);

  test("two configs for the same user: their runs serialise on the user's lock", async () => {
    const files = [dir(), dir()].map((folder) =>
      writeConfig(folder, { accounts: [accountEntry(emulator, demoAccount("main"))], sinks: [sqlite] }),
    );
    emulator.setLatency(150);
    const [ra, rb] = await Promise.all(files.map((file) => runDaemon(["--once", "--config", file])));
    expect([ra!.code, rb!.code]).toEqual([0, 0]);
    expect(ra!.stderr + rb!.stderr).toContain("waiting for account main's lock");
    // One login after the other: the second OTP request comes after the first PIN.
    const twoFa = emulator.steps("2fa").map((e) => e.at);
    const otps = emulator.steps("otp-generate").map((e) => e.at);
    expect(loginCount(emulator)).toBe(2);
    expect(Math.max(...otps)).toBeGreaterThanOrEqual(Math.min(...twoFa));
  }, 60_000);
});

describe("one daemon per config on a host", () => {
  test("a second daemon on the same config exits 2 naming the first one's PID; a stale pid file is taken over", async () => {
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [sqlite],
    });
    const pidFile = stateLayout.daemonPid(stateDir(), configKey(file));
    const first = spawnDaemon(["--config", file]);
    cleanups.push(async () => {
      first.kill("SIGKILL");
      await first.exited;
    });
    await until(() => existsSync(pidFile), "the first daemon's pid file");
    expect(readFileSync(pidFile, "utf8").trim()).toBe(`${first.pid}@${hostname()}`);
    const second = await runDaemon(["--config", file]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`PID ${first.pid}`);
    // --once is a one-shot beside the daemon (serialised by the user's lock), not a second daemon.
    const once = await runDaemon(["--once", "--config", file]);
    expect(once.code).toBe(0);
    first.kill("SIGTERM");
    await first.exited;
    expect(existsSync(pidFile)).toBe(false);

    // A pid file whose process is gone (a crash, a power cut) does not stop the next start.
    const gone = Bun.spawn(["bun", "-e", "0"]);
    await gone.exited;
    writeFileSync(pidFile, `${gone.pid}@${hostname()}\n`);
    const third = spawnDaemon(["--config", file]);
    cleanups.push(async () => {
      third.kill("SIGKILL");
      await third.exited;
    });
    await until(() => readFileSync(pidFile, "utf8").trim() === `${third.pid}@${hostname()}`, "the takeover");
    third.kill("SIGKILL");
    await third.exited;
  }, 60_000);
});

describe("the Redis lock is keyed by the Upstox user too", () => {
  test("a daemon waits for the user's Redis lock whatever the account is called, then refreshes", async () => {
    const { startRedisServer } = await import("@upstox-token/sink-test-suite/redis-server");
    const { RedisLock } = await import("@upstox-token/sink-redis");
    const { userKey } = await import("@upstox-token/core");
    const { startDaemon } = await import("../src/runner/daemon.js");
    const { validateConfig } = await import("../src/config/load-config.js");
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const other = new RedisLock({ url: redis.url });
    cleanups.push(() => other.close());
    const held = await other.acquire(userKey({ mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey }), {
      waitMs: 0,
    });
    expect(held).not.toBeNull();
    const config = validateConfig(
      {
        accounts: [accountEntry(emulator, demoAccount("any-name"))],
        sinks: [sqlite],
        lock: { use: "redis", url: redis.url },
      },
      { file: null, baseDir: dir() },
    );
    const daemon = await startDaemon({ config, schedule: false });
    cleanups.push(() => daemon.stop());
    let waited = false;
    daemon.events.on((event) => {
      if (event.type === "waiting-for-lock") waited = true;
    });
    const run = daemon.runOnce();
    await until(() => waited, "the daemon to wait for the user's lock");
    expect(loginCount(emulator)).toBe(0);
    await held!.release();
    expect((await run).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
  }, 60_000);
});
