import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { FleetJobData } from "./types.js";

/** What any daemon shows about the whole fleet: /healthz, /metrics, the status page. */
export interface FleetState {
  /** This daemon (host:pid). */
  holder: string;
  jobs: { waiting: number; active: number; delayed: number; failed: number; completed: number };
  /** Which daemon works on which account right now (at most 50). */
  active: { account: string; holder: string; since: number | null }[];
  /** Dead cycles the sweeper will not re-run: they need a person (at most 50). */
  held: { job: string; verdict: string }[];
}

export async function readFleetState(
  queue: Queue<FleetJobData>,
  redis: Redis,
  prefix: string,
  holder: string,
): Promise<FleetState> {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "completed");
  const active = await queue.getActive(0, 49);
  const held: FleetState["held"] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}swept:*`, "COUNT", 200);
    cursor = next;
    for (const key of keys) {
      const verdict = await redis.get(key);
      if (verdict?.startsWith("held") && held.length < 50)
        held.push({ job: key.slice(prefix.length + 6), verdict });
    }
  } while (cursor !== "0" && held.length < 50);
  return {
    holder,
    jobs: {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    },
    active: active
      .filter((job) => job?.data)
      .map((job) => ({
        account: job.data.account,
        holder: job.processedBy ?? "?",
        since: job.processedOn ?? null,
      })),
    held,
  };
}
