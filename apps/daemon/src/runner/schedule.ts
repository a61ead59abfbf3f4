import { Cron } from "croner";
import type { ResolvedSchedule } from "../config/resolve-config.js";
import { cronZone } from "../config/time-zone.js";

/**
 * A fixed per-account delay in [0, maxMs): FNV-1a of the name, so a few hundred accounts spread over the
 * jitter window instead of logging in in the same second, and each account keeps its slot across restarts.
 */
export function accountJitterMs(account: string, maxMs: number): number {
  if (maxMs <= 0) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < account.length; i++) {
    hash ^= account.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % maxMs;
}

const cronCache = new Map<string, Cron>();

function cronFor(schedule: ResolvedSchedule): Cron {
  const key = `${schedule.timezone}\u0000${schedule.cron}`;
  let cron = cronCache.get(key);
  if (!cron) {
    // Paused: croner is used only as a calculator; the daemon owns its timers (and its clock, for tests).
    cron = new Cron(schedule.cron, { ...cronZone(schedule.timezone), paused: true });
    cronCache.set(key, cron);
  }
  return cron;
}

/**
 * The account's next run strictly after `fromMs` (epoch ms): the next cron time in the schedule's time zone,
 * plus the account's jitter. Pure: the clock is the caller's, so tests can use a fake one.
 */
export function nextRunAt(schedule: ResolvedSchedule, account: string, fromMs: number): number | null {
  const jitter = accountJitterMs(account, schedule.jitterMaxMs);
  // Search from (from - jitter) so that a cron time whose jittered run is still ahead is not skipped.
  const next = cronFor(schedule).nextRun(new Date(fromMs - jitter));
  if (!next) return null;
  let at = next.getTime() + jitter;
  if (at <= fromMs) {
    const after = cronFor(schedule).nextRun(next);
    if (!after) return null;
    at = after.getTime() + jitter;
  }
  return at;
}

/** The next `count` runs after `fromMs`. */
export function nextRuns(
  schedule: ResolvedSchedule,
  account: string,
  fromMs: number,
  count: number,
): number[] {
  const runs: number[] = [];
  let from = fromMs;
  for (let i = 0; i < count; i++) {
    const at = nextRunAt(schedule, account, from);
    if (at === null) break;
    runs.push(at);
    from = at;
  }
  return runs;
}
