import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { type FleetJobData, jobIdFor, PinLedger, STALLED_REASON, Sweeper } from "../src/index.js";
import { redisInstalled, startRedis } from "./support.js";

const PREFIX = "t:fleet:";
const DAY = "2026-12-08";

describe.skipIf(!redisInstalled())(
  "the sweeper decides about a dead worker's cycle from its PIN state",
  () => {
    let server: Awaited<ReturnType<typeof startRedis>>;
    let redis: Redis;
    let queue: Queue<FleetJobData>;

    beforeAll(async () => {
      server = await startRedis();
      redis = new Redis(server.url, { maxRetriesPerRequest: null });
      queue = new Queue<FleetJobData>("sweep-test", {
        connection: new Redis(server.url, { maxRetriesPerRequest: null }),
      });
    });
    afterAll(async () => {
      await queue?.close();
      redis?.disconnect();
      await server?.stop();
    });

    /** A job failed the way BullMQ fails a stalled one when maxStalledCount is 0. */
    async function stalledJob(account: string): Promise<string> {
      const id = jobIdFor(account, DAY);
      await queue.add("refresh", { account, day: DAY }, { jobId: id });
      const worker = new Worker<FleetJobData>(queue.name, null, {
        connection: new Redis(server.url, { maxRetriesPerRequest: null }),
        autorun: false,
      });
      const job = await worker.getNextJob("tok", { block: true });
      if (job?.id !== id) throw new Error(`took ${job?.id} instead of ${id}`);
      await job?.moveToFailed(new Error(STALLED_REASON), "tok", false);
      await worker.close();
      return id;
    }

    test("not sent or accepted: re-enqueued; refused: held; answer lost: only for a PIN accepted before", async () => {
      const ledger = new PinLedger(redis, PREFIX);
      const cases = {
        "a-not-sent": "not-sent",
        "a-accepted": "accepted",
        "a-refused": "refused",
        "a-lost-new": "sent",
        "a-lost-known": "sent",
        "a-has-token": "sent",
      } as const;
      for (const [account, state] of Object.entries(cases)) {
        const id = await stalledJob(account);
        await ledger.record(id, state, "other:1", Date.now());
      }
      await ledger.rememberAccepted("a-lost-known", "fp-a-lost-known");
      await ledger.rememberAccepted("a-lost-new", "fp-of-an-older-pin");
      // Not before the dead cycle's account lock has expired.
      const early = new Sweeper({
        queue,
        redis,
        prefix: PREFIX,
        ledger,
        accountLockTtlMs: 60_000,
        intervalMs: 1_000,
        now: Date.now,
        hasValidToken: async () => false,
      });
      expect((await early.sweep()).size).toBe(0);
      const sweeper = new Sweeper({
        queue,
        redis,
        prefix: PREFIX,
        ledger,
        accountLockTtlMs: 0,
        intervalMs: 1_000,
        now: () => Date.now() + 1,
        hasValidToken: async (account) => account === "a-has-token",
        pinFingerprint: (account) => `fp-${account}`,
      });
      const verdicts = await sweeper.sweep();
      expect(Object.fromEntries([...verdicts].map(([id, v]) => [id.split("@")[0], v]))).toEqual({
        "a-not-sent": "re-enqueued",
        "a-accepted": "re-enqueued",
        "a-refused": "held: the PIN was refused",
        "a-lost-new": "held: the PIN's answer was lost and this PIN was never accepted",
        "a-lost-known": "re-enqueued",
        "a-has-token": "token-present",
      });
      // Re-enqueued jobs wait again under the same id; held ones stay failed and are not looked at twice.
      expect(await queue.getJobState(jobIdFor("a-not-sent", DAY))).toBe("waiting");
      expect(await queue.getJobState(jobIdFor("a-refused", DAY))).toBe("failed");
      expect((await sweeper.sweep()).size).toBe(0);
    });
  },
);
