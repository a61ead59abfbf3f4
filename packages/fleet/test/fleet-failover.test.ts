import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { isRecordUsable, silentLogger } from "@upstox-token/core";
import { readNewest } from "@upstox-token/core/internal";
import { DEMO_APP, type Emulator, startEmulator } from "@upstox-token/emulator";
import { RedisTokenSink, redisSinkOptions } from "@upstox-token/sink-redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { Fleet } from "../src/index.js";
import type { WorkerAccount, WorkerSettings } from "./fixtures/fleet-worker.js";
import {
  redisInstalled,
  startRedis,
  startWorker,
  totpSecret,
  type WorkerProcess,
  waitFor,
} from "./support.js";

const ACCOUNTS = 45;
const PIN = "246810";
const userKey = (mobile: string) =>
  createHmac("sha256", "fleet-test").update(mobile).digest("hex").slice(0, 16);

describe.skipIf(!redisInstalled())("a fleet of 3 worker processes, one killed mid-run", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let emulator: Emulator;
  let accounts: WorkerAccount[];
  let workers: WorkerProcess[] = [];
  let controller: Fleet;
  let sink: RedisTokenSink;

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator({ latencyMs: 0 });
    accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
      name: `acct-${String(i).padStart(2, "0")}`,
      mobile: `7${String(i).padStart(9, "0")}`,
      pin: PIN,
      totpSecret: totpSecret(),
    }));
    for (const a of accounts)
      emulator.addUser({ mobile: a.mobile, pin: a.pin, totpSecret: a.totpSecret, name: a.name });
    sink = new RedisTokenSink(redisSinkOptions.parse({ url: redis.url, prefix: "tok:" }));
    controller = new Fleet({
      redisUrl: redis.url,
      holder: "test",
      concurrency: 1,
      accountLockTtlMs: 3_000,
      run: async () => ({ result: "not-here" }),
      hasValidToken: async () => false,
    });
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL");
    await controller?.close();
    await sink?.close?.();
    await emulator?.close();
    await redis?.stop();
  });

  const settings = (): WorkerSettings => ({
    redisUrl: redis.url,
    apiBase: emulator.apiBase,
    serviceBase: emulator.serviceBase,
    clientId: DEMO_APP.apiKey,
    clientSecret: DEMO_APP.apiSecret,
    redirectUri: DEMO_APP.redirectUri,
    accounts,
    concurrency: 4,
    lockTtlMs: 3_000,
    jobLockMs: 1_500,
    enqueue: true,
  });

  const valid = async (name: string) => {
    const record = await readNewest([sink], name, silentLogger);
    return record !== null && isRecordUsable(record, Date.now() + 60_000);
  };
  const perAccount = (step: string) => {
    const counts = new Map<string, number>();
    for (const e of emulator.log)
      if (e.step === step && e.account) counts.set(e.account, (counts.get(e.account) ?? 0) + 1);
    return counts;
  };

  test("every account ends with a valid token; logged in twice only after a PIN Upstox accepted; no refused PIN re-sent", async () => {
    workers = await Promise.all([0, 1, 2].map(() => startWorker(settings())));
    // Day one: every PIN is accepted once (the ledger remembers it: a lost answer for it may be sent again).
    const names = accounts.map((a) => a.name);
    const first = await controller.waitForDay(names);
    expect(first.every((o) => o.state === "completed")).toBe(true);
    expect([...perAccount("token").values()].every((n) => n === 1)).toBe(true);
    expect(perAccount("token").size).toBe(ACCOUNTS);

    // The next day: no tokens, an empty queue, Upstox 50 ms away.
    const conn = new Redis(redis.url);
    await new Queue("upstox-token-refresh", { connection: conn }).obliterate({ force: true });
    const tokenKeys = await conn.keys("tok:*");
    if (tokenKeys.length > 0) await conn.del(...tokenKeys);
    conn.disconnect();
    emulator.setLatency(50);
    emulator.clearLog();
    await controller.enqueue(accounts.map((a) => ({ account: a.name, userKey: userKey(a.mobile) })));

    // One PIN answer hangs; kill the worker that sent it (the ledger names it) while other logins are in flight.
    emulator.inject({ path: /\/auth\/2fa$/, delayMs: 4_000, count: 1 });
    const conn2 = new Redis(redis.url);
    let hung: { job: string; pid: number } | undefined;
    await waitFor(async () => {
      for (const key of await conn2.keys("upstox-token:fleet:pin:*")) {
        const r = await conn2.hgetall(key);
        if (r.state === "sent" && Date.now() - Number(r.at) > 500)
          hung = {
            job: key.slice("upstox-token:fleet:pin:".length),
            pid: Number(r.holder?.split(":").pop()),
          };
      }
      return hung !== undefined;
    }, "a PIN whose answer hangs");
    conn2.disconnect();
    const victim = workers.find((w) => w.child.pid === hung?.pid);
    expect(victim).toBeDefined();
    victim?.child.kill("SIGKILL");
    await victim?.child.exited;

    const second = await controller.waitForDay(names, undefined, 200);
    const swept = await controller.sweeper.log();
    console.log("sweeper:", JSON.stringify(swept));
    expect(second.filter((o) => o.state !== "completed")).toEqual([]);
    for (const name of names) expect(await valid(name)).toBe(true);
    const tokens = perAccount("token");
    expect(tokens.size).toBe(ACCOUNTS);
    // A second login only where the dead cycle had not provably ended before its PIN was accepted AND the engine's
    // PIN rule allows another: Upstox had accepted the PIN ("accepted"), and its token exchange may have reached
    // Upstox before the kill (then that token was issued to a dead process). Every other account: exactly once.
    const mobileOf = new Map(accounts.map((a) => [a.name, a.mobile]));
    const acceptedThenDied = new Set(
      swept.filter((s) => s.pin === "accepted").map((s) => mobileOf.get(s.job.split("@")[0] ?? "")),
    );
    const twice = [...tokens.entries()].filter(([, n]) => n !== 1);
    expect(twice.filter(([mobile, n]) => n > 2 || !acceptedThenDied.has(mobile))).toEqual([]);
    // The PIN went out again only for cycles whose PIN Upstox had accepted (or whose answer was lost, for a PIN
    // accepted before): never after a refusal.
    const pinTwice = [...perAccount("2fa").entries()].filter(([, n]) => n > 1).map(([mobile]) => mobile);
    const mayResend = new Set(
      swept
        .filter((s) => s.pin === "accepted" || s.pin === "sent")
        .map((s) => mobileOf.get(s.job.split("@")[0] ?? "")),
    );
    expect(pinTwice.filter((mobile) => !mayResend.has(mobile))).toEqual([]);
    // The kill hit cycles in flight: their accounts were logged in by a survivor after the sweeper's check.
    const rerun = [...perAccount("otp-generate").entries()].filter(([, n]) => n > 1);
    console.log(
      `day two: ${rerun.length} accounts re-run after the kill; PIN sent twice for ${[...perAccount("2fa").values()].filter((n) => n > 1).length}`,
    );
    // The hung PIN's cycle: its answer was lost, but this PIN was accepted on day one, so it ran again.
    expect(swept).toContainEqual(
      expect.objectContaining({ job: hung?.job, pin: "sent", verdict: "re-enqueued" }),
    );
    expect(swept.every((s) => s.verdict === "re-enqueued" || s.verdict === "token-present")).toBe(true);
    const refusedPins = emulator.log.filter((e) => e.step === "2fa" && e.upstoxCode !== undefined);
    expect(refusedPins).toEqual([]);
    // The survivors did all the work after the kill; their job records name them.
    const state = await controller.state();
    expect(state.jobs.completed).toBe(ACCOUNTS);
    expect(state.held).toEqual([]);
  }, 60_000);
});
