import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  findFreePort,
  startRedisServer,
  type TestRedisServer,
} from "@upstox-token/sink-test-suite/redis-server";
import { loadConfigFile } from "../src/config/load-config.js";
import { spawnDaemon as spawnDaemonProcess } from "./support/daemon-process.js";
import { accountEntry, addUsers, tempDir, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
let redis: TestRedisServer;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 10 });
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await emulator.close();
  await redis.stop();
});

/** The daemon with warn logs (support/daemon-process.ts: this process's environment, then `env`). */
const spawnDaemon = (args: string[], env: Record<string, string>) =>
  spawnDaemonProcess(args, { UPSTOX_TOKEN_LOG_LEVEL: "warn", ...env });

describe("fleet mode (one BullMQ queue on one Redis)", () => {
  test("two daemons --once share the accounts: each logged in exactly once, both exit 0", async () => {
    const { dir, cleanup } = tempDir("daemon-fleet-");
    cleanups.push(cleanup);
    const accounts = addUsers(emulator, 12, "fleet");
    const file = writeConfig(dir, {
      accounts: accounts.map((a) => accountEntry(emulator, a)),
      sinks: [{ use: "redis", options: { url: redis.url, prefix: "fleet-test:" } }],
      concurrency: 4,
      pace: false,
      verifyOnStart: false,
      fleet: { redis: redis.url, pace: false },
    });
    const env = { UPSTOX_TOKEN_LOCK_DIR: dir, UPSTOX_STATE_DIR: dir };
    const runs = [0, 1].map(() => spawnDaemon(["--once", "--config", file], env));
    const results = await Promise.all(
      runs.map(async (child) => ({
        code: await child.exited,
        stdout: await new Response(child.stdout).text(),
        stderr: await new Response(child.stderr).text(),
      })),
    );
    for (const r of results) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(12);
    }
    const tokens = emulator.log.filter((e) => e.step === "token");
    expect(tokens).toHaveLength(12);
    expect(new Set(tokens.map((e) => e.account)).size).toBe(12);
    // Every line says where the token came from: this daemon's login, another's, or none needed.
    const lines = results.flatMap((r) => r.stdout.split("\n").filter(Boolean));
    expect(lines.filter((l) => l.includes("new token"))).toHaveLength(12);
  }, 60_000);

  test("the fleet block: defaults, the engine's lock on the fleet's Redis, the worker's concurrency", async () => {
    const { dir, cleanup } = tempDir("daemon-fleet-");
    cleanups.push(cleanup);
    const [account] = addUsers(emulator, 1, "fleet-config");
    const base = {
      accounts: [accountEntry(emulator, account!)],
      sinks: [{ use: "redis", options: { url: redis.url } }],
    };
    const plain = await loadConfigFile({ path: writeConfig(dir, { ...base, concurrency: 6 }), env: {} });
    expect(plain.fleet).toBeUndefined();
    expect(plain.lock).toEqual({ use: "file" });
    const fleet = await loadConfigFile({
      path: writeConfig(dir, {
        ...base,
        concurrency: 6,
        fleet: { redis: "redis://10.0.0.5:6379", concurrency: 12 },
      }),
      env: {},
    });
    expect(fleet.fleet).toEqual({
      redis: "redis://10.0.0.5:6379",
      concurrency: 12,
      loginsPerSecond: 3,
      otpLimit: { max: 8, windowMs: 660_000 },
      queue: undefined,
      jobLockMs: undefined,
    });
    expect(fleet.lock).toEqual({ use: "redis", url: "redis://10.0.0.5:6379" });
    expect(fleet.concurrency).toBe(12);
    const off = await loadConfigFile({
      path: writeConfig(dir, { ...base, fleet: { redis: redis.url, pace: false, otpLimit: false } }),
      env: {},
    });
    expect(off.fleet).toMatchObject({ loginsPerSecond: undefined, otpLimit: null, concurrency: 4 });
    await expect(
      loadConfigFile({ path: writeConfig(dir, { ...base, fleet: { redis: "http://x" } }), env: {} }),
    ).rejects.toThrow("fleet.redis");
  });

  test("a file lock is refused in fleet mode (exit 2, names the field)", async () => {
    const { dir, cleanup } = tempDir("daemon-fleet-");
    cleanups.push(cleanup);
    const [account] = addUsers(emulator, 1, "fleet-lock");
    const file = writeConfig(dir, {
      accounts: [accountEntry(emulator, account!)],
      sinks: [{ use: "redis", options: { url: redis.url } }],
      lock: { use: "file" },
      fleet: { redis: redis.url },
    });
    const child = spawnDaemon(["--once", "--config", file], {});
    expect(await child.exited).toBe(2);
    const stderr = await new Response(child.stderr).text();
    expect(stderr).toContain("lock");
    expect(stderr).toContain("fleet mode");
  }, 30_000);

  test("a scheduled fleet daemon shows the fleet on /healthz, /metrics and the page; SIGTERM drains it", async () => {
    const { dir, cleanup } = tempDir("daemon-fleet-");
    cleanups.push(cleanup);
    const accounts = addUsers(emulator, 6, "fleet-ops");
    const port = await findFreePort();
    const file = writeConfig(dir, {
      accounts: accounts.map((a) => accountEntry(emulator, a)),
      sinks: [{ use: "redis", options: { url: redis.url, prefix: "fleet-ops:" } }],
      concurrency: 2,
      pace: false,
      verifyOnStart: false,
      statusServer: { port },
      fleet: { redis: redis.url, queue: "ops-test", pace: false },
    });
    const before = emulator.log.filter((e) => e.step === "token").length;
    const child = spawnDaemon(["--config", file], { UPSTOX_TOKEN_LOCK_DIR: dir, UPSTOX_STATE_DIR: dir });
    const base = `http://127.0.0.1:${port}`;
    type Health = { ok: boolean; fleet?: { jobs: Record<string, number>; held: unknown[] } };
    let health: Health | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      health = (await fetch(`${base}/healthz`)
        .then((r) => r.json())
        .catch(() => undefined)) as Health | undefined;
      if (health?.fleet?.jobs.completed === 6) break;
      await Bun.sleep(100);
    }
    expect(health?.fleet?.jobs).toMatchObject({ completed: 6, failed: 0, active: 0, waiting: 0 });
    expect(health?.ok).toBe(true);
    expect(emulator.log.filter((e) => e.step === "token").length - before).toBe(6);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('upstox_token_fleet_jobs{state="completed"} 6');
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('<section id="fleet">');
    // A config change (SIGHUP) reaches the enqueue: the new accounts get a job, the old ones no second one.
    const more = addUsers(emulator, 2, "fleet-ops-new");
    writeConfig(dir, {
      accounts: [...accounts, ...more].map((a) => accountEntry(emulator, a)),
      sinks: [{ use: "redis", options: { url: redis.url, prefix: "fleet-ops:" } }],
      concurrency: 2,
      pace: false,
      verifyOnStart: false,
      statusServer: { port },
      fleet: { redis: redis.url, queue: "ops-test", pace: false },
    });
    child.kill("SIGHUP");
    const reloaded = Date.now() + 20_000;
    while (Date.now() < reloaded) {
      health = (await fetch(`${base}/healthz`).then((r) => r.json())) as Health;
      if (health?.fleet?.jobs.completed === 8) break;
      await Bun.sleep(100);
    }
    expect(health?.fleet?.jobs).toMatchObject({ completed: 8, failed: 0 });
    expect(emulator.log.filter((e) => e.step === "token").length - before).toBe(8);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }, 60_000);

  test("SIGTERM mid-run drains: the jobs in flight finish (none stalls), the rest wait for another daemon", async () => {
    const { dir, cleanup } = tempDir("daemon-fleet-");
    cleanups.push(cleanup);
    const accounts = addUsers(emulator, 8, "fleet-drain");
    const port = await findFreePort();
    const file = writeConfig(dir, {
      accounts: accounts.map((a) => accountEntry(emulator, a)),
      sinks: [{ use: "redis", options: { url: redis.url, prefix: "fleet-drain:" } }],
      concurrency: 2,
      pace: false,
      verifyOnStart: false,
      statusServer: { port },
      fleet: { redis: redis.url, queue: "drain-test", pace: false },
    });
    emulator.setLatency(150);
    cleanups.push(() => emulator.setLatency(10));
    const child = spawnDaemon(["--config", file], { UPSTOX_TOKEN_LOCK_DIR: dir, UPSTOX_STATE_DIR: dir });
    type Health = { fleet?: { jobs: Record<string, number>; active: { account: string }[] } };
    let health: Health | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      health = (await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.json())
        .catch(() => undefined)) as Health | undefined;
      if ((health?.fleet?.jobs.active ?? 0) > 0) break;
      await Bun.sleep(20);
    }
    const mine = new Set(accounts.map((a) => a.mobile));
    const inFlight = emulator.log.filter(
      (e) => e.step === "otp-generate" && mine.has(e.account ?? ""),
    ).length;
    expect(health?.fleet?.jobs.active).toBeGreaterThan(0);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    // What had started finished with a token; nothing failed or stalled; the rest still waits in the queue.
    const { Fleet } = await import("@upstox-token/fleet");
    const watcher = new Fleet({
      redisUrl: redis.url,
      queueName: "drain-test",
      holder: "test",
      concurrency: 1,
      accountLockTtlMs: 1_000,
      run: async () => ({ result: "not-here" }),
      hasValidToken: async () => false,
    });
    const counts = (await watcher.state()).jobs;
    await watcher.close();
    expect(counts.failed).toBe(0);
    expect(counts.active).toBe(0);
    expect(counts.completed).toBeGreaterThanOrEqual(Math.max(1, inFlight));
    expect(counts.completed + counts.waiting).toBe(8);
    expect(counts.waiting).toBeGreaterThan(0);
  }, 60_000);
});
