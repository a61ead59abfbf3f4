import { Cron } from "croner";
import type { ResolvedSchedule } from "./config/resolve-config.js";

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

/**
 * India Standard Time is UTC+05:30 all year (no daylight saving since 1945), so croner can compute IST from a
 * fixed offset. That keeps ICU's time-zone machinery (several MB in a process that otherwise idles) out of the
 * daemon for the default schedule; every other zone goes through croner's IANA support.
 */
const FIXED_OFFSET_ZONES: Record<string, number> = { "Asia/Kolkata": 330, "Asia/Calcutta": 330 };

/** croner's options for a schedule's time zone: a fixed UTC offset for IST, the IANA name otherwise. */
export function cronZone(timezone: string): { utcOffset: number } | { timezone: string } {
  const offset = FIXED_OFFSET_ZONES[timezone];
  return offset === undefined ? { timezone } : { utcOffset: offset };
}

/** Whether `timezone` names a time zone this runtime knows. */
export function isTimeZone(timezone: string): boolean {
  if (timezone in FIXED_OFFSET_ZONES) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

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

/** "2026-11-24 03:35:42 IST" */
export function formatIst(ms: number): string {
  return `${new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19).replace("T", " ")} IST`;
}

/** The same instant in the machine's local time zone, e.g. "2026-11-23 17:05:42 EST". */
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const zone =
    new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`.trim();
}
