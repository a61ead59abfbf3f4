import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { DEMO_APP, type Emulator, startEmulator } from "@upstox-token/emulator";
import { Fleet, jobIdFor, tradingDay } from "../src/index.js";
import type { WorkerAccount } from "./fixtures/fleet-worker.js";
import { redisInstalled, startRedis, startWorker, totpSecret, type WorkerProcess } from "./support.js";

const userKey = (mobile: string) =>
  createHmac("sha256", "fleet-test").update(mobile).digest("hex").slice(0, 16);

describe.skipIf(!redisInstalled())("fleet-wide limits", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let emulator: Emulator;
  const workers: WorkerProcess[] = [];
  const fleets: Fleet[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // A strict stand-in: 4 OTPs per user per 3 s.
    emulator = await startEmulator({ latencyMs: 20, otpRateLimit: { max: 4, windowMs: 3_000 } });
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL");
    for (const f of fleets) await f.close();
    await emulator?.close();
    await redis?.stop();
  });

  test("3 daemons sharing one Upstox user's OTP limit never hit it", async () => {
    const user = { mobile: "7000000999", pin: "135790", totpSecret: totpSecret() };
    emulator.addUser({ ...user, name: "Shared" });
    // 12 accounts of one user (e.g. one app each): 3 windows' worth of OTPs.
    const accounts: WorkerAccount[] = Array.from({ length: 12 }, (_, i) => ({
      name: `shared-${i}`,
      ...user,
    }));
    const settings = {
      redisUrl: redis.url,
      apiBase: emulator.apiBase,
      serviceBase: emulator.serviceBase,
      clientId: DEMO_APP.apiKey,
      clientSecret: DEMO_APP.apiSecret,
      redirectUri: DEMO_APP.redirectUri,
      accounts,
      concurrency: 4,
      lockTtlMs: 5_000,
      jobLockMs: 5_000,
      // The fleet's window is Upstox's plus a margin: a slot is taken before the OTP request arrives there.
      otpLimit: { max: 4, windowMs: 3_500 },
      enqueue: true,
    };
    for (let i = 0; i < 3; i++) workers.push(await startWorker(settings));
    const watcher = new Fleet({
      redisUrl: redis.url,
      holder: "test",
      concurrency: 1,
      accountLockTtlMs: 5_000,
      run: async () => ({ result: "not-here" }),
      hasValidToken: async () => false,
    });
    fleets.push(watcher);
    await watcher.enqueue(accounts.map((a) => ({ account: a.name, userKey: userKey(a.mobile) })));
    const outcomes = await watcher.waitForDay(accounts.map((a) => a.name));
    expect(outcomes.filter((o) => o.state !== "completed")).toEqual([]);
    const generates = emulator.log.filter((e) => e.step === "otp-generate");
    expect(generates.filter((e) => e.upstoxCode !== undefined)).toEqual([]);
    expect(generates.length).toBe(12);
    expect(emulator.log.filter((e) => e.step === "token").length).toBe(12);
    // Never more than 4 generates in any 3 s at the emulator.
    const times = generates.map((e) => e.at).sort((a, b) => a - b);
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(3_000);
  }, 60_000);

  test("a RATE_LIMITED cycle becomes a delayed job at retryAt, then runs once more", async () => {
    const starts: number[] = [];
    const retryAt = Date.now() + 1_200;
    const fleet = new Fleet({
      redisUrl: redis.url,
      queueName: "rate-limited-test",
      holder: "in-process",
      concurrency: 2,
      accountLockTtlMs: 5_000,
      hasValidToken: async () => false,
      run: async () => {
        starts.push(Date.now());
        return starts.length === 1 ? { result: "rate-limited", retryAt } : { result: "ok", loggedIn: true };
      },
    });
    fleets.push(fleet);
    fleet.start();
    await fleet.enqueue([{ account: "limited" }]);
    const [outcome] = await fleet.waitForDay(["limited"]);
    expect(outcome?.state).toBe("completed");
    expect(starts.length).toBe(2);
    expect(starts[1]!).toBeGreaterThanOrEqual(retryAt);
    expect(jobIdFor("limited", tradingDay(Date.now()))).toBe(`limited@${tradingDay(Date.now())}`);
  }, 30_000);

  test("Redis away and back: the worker reconnects and works again (nothing crashes)", async () => {
    const ran: string[] = [];
    const fleet = new Fleet({
      redisUrl: redis.url,
      queueName: "reconnect-test",
      holder: "in-process",
      concurrency: 2,
      accountLockTtlMs: 5_000,
      hasValidToken: async () => false,
      run: async (account) => {
        ran.push(account);
        return { result: "ok", loggedIn: true };
      },
    });
    fleets.push(fleet);
    fleet.start();
    await fleet.enqueue([{ account: "before" }]);
    await fleet.waitForDay(["before"]);
    // A Redis without persistence forgets everything: the day's jobs are enqueued again (as a daemon does).
    await redis.restart();
    await fleet.enqueue([{ account: "after" }]);
    const [outcome] = await fleet.waitForDay(["after"]);
    expect(outcome?.state).toBe("completed");
    expect(ran).toEqual(["before", "after"]);
  }, 30_000);
});
