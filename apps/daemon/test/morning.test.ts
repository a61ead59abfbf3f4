import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import type { DaemonEvent } from "../src/observe/event-bus.js";
import { type Daemon, startDaemon } from "../src/runner/daemon.js";
import { cleanupsAfterEach } from "./support/cleanups.js";
import { FakeClock } from "./support/fake-clock.js";
import { accountEntry, demoAccount, ist, loginCount, memoryLogger, tempDir } from "./support/helpers.js";
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

async function startMorning(extra: Record<string, unknown> = {}, accountExtra: Record<string, unknown> = {}) {
  const { dir, cleanup } = tempDir("daemon-morning-");
  cleanups.push(cleanup);
  const config = validateConfig(
    {
      accounts: [accountEntry(emulator, demoAccount(), accountExtra)],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 2, baseMs: 10, maxMs: 20, afterFailureMs: 30 * 60_000 },
      ...extra,
    },
    { file: null, baseDir: dir },
  );
  const daemon: Daemon = await startDaemon({ config, clock, schedule: true, logger: memoryLogger() });
  cleanups.push(() => daemon.stop());
  const events: DaemonEvent[] = [];
  daemon.events.on((event) => {
    events.push(event);
  });
  return { daemon, events };
}

const cycleEnds = (events: DaemonEvent[]) =>
  // The engine says `failed` once, when a cycle ends (an attempt it retries is `retrying`).
  events.filter((e) => e.type === "failed").map((e) => e.at);

test("Upstox down all morning: quiet capped backoff until 07:00, a cycle at 07:00, retries until 09:15, then the normal pace", async () => {
  clock = new FakeClock(ist("2026-11-23T03:40"));
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 503,
    count: Number.POSITIVE_INFINITY,
  });
  const { daemon, events } = await startMorning({
    morning: { escalateAt: "07:00", marketOpen: "09:15", retryBaseMs: 60_000, retryMaxMs: 20 * 60_000 },
  });
  await daemon.caughtUp;
  await clock.advanceTo(ist("2026-11-23T10:00"), () => daemon.idle());
  await daemon.idle();
  const ends = cycleEnds(events);
  const before7 = ends.filter((at) => at < ist("2026-11-23T07:00"));
  // 03:40, +1, +2, +4, +8, +16 min, then every 20 min (the cap) ...
  expect(before7.slice(0, 6)).toEqual([0, 1, 3, 7, 15, 31].map((m) => ist("2026-11-23T03:40") + m * 60_000));
  for (let i = 1; i < ends.length; i++) {
    const gap = ends[i]! - ends[i - 1]!;
    if (ends[i]! <= ist("2026-11-23T09:15")) expect(gap).toBeLessThanOrEqual(20 * 60_000);
  }
  // ... one lands exactly at the escalation (the fallback chain's moment) and one at market open ...
  expect(ends).toContain(ist("2026-11-23T07:00"));
  expect(ends).toContain(ist("2026-11-23T09:15"));
  // ... after which the normal after-failure pace (30 min) applies.
  expect(ends.filter((at) => at > ist("2026-11-23T09:15"))).toEqual([ist("2026-11-23T09:45")]);
  expect(daemon.status()[0]?.nextRunAt).toBe(ist("2026-11-23T10:15"));
  expect(loginCount(emulator)).toBe(0);
});

test("the fallback chain waits for escalateAt: none before 07:00, the token request at 07:00", async () => {
  clock = new FakeClock(ist("2026-11-23T03:40"));
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 503,
    count: Number.POSITIVE_INFINITY,
  });
  const { daemon, events } = await startMorning(
    { morning: { escalateAt: "07:00", retryBaseMs: 60_000, retryMaxMs: 30 * 60_000 } },
    { fallback: ["token-request"], notifierPort: await freePort(), loginTimeoutMs: 1_000 },
  );
  await daemon.caughtUp;
  await clock.advanceTo(ist("2026-11-23T06:59"), () => daemon.idle());
  expect(events.filter((e) => e.type === "fallback")).toHaveLength(0);
  // Deferred, not refused: the account is never suspended for it.
  expect(daemon.status()[0]?.nextRunAt).toBe(ist("2026-11-23T07:00"));
  await clock.advanceTo(ist("2026-11-23T07:00"), () => daemon.idle());
  await daemon.idle();
  const fallbacks = events.filter((e) => e.type === "fallback");
  expect(fallbacks).toHaveLength(1);
  expect(fallbacks[0]).toMatchObject({ from: "totp", to: "token-request", at: ist("2026-11-23T07:00") });
});

test("--once (no schedule) and a manual refresh do not wait: the fallback runs in the quiet morning", async () => {
  clock = new FakeClock(ist("2026-11-23T04:00"));
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 503,
    count: Number.POSITIVE_INFINITY,
  });
  const { dir, cleanup } = tempDir("daemon-morning-once-");
  cleanups.push(cleanup);
  const config = validateConfig(
    {
      accounts: [
        accountEntry(emulator, demoAccount(), {
          fallback: ["token-request"],
          notifierPort: await freePort(),
          loginTimeoutMs: 500,
        }),
      ],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 1 },
    },
    { file: null, baseDir: dir },
  );
  const daemon = await startDaemon({ config, clock, schedule: false, logger: memoryLogger() });
  cleanups.push(() => daemon.stop());
  const events: DaemonEvent[] = [];
  daemon.events.on((event) => {
    events.push(event);
  });
  await daemon.runOnce("catch-up");
  expect(events.filter((e) => e.type === "fallback")).toHaveLength(1);
});

test("a morning that works at 03:35 is untouched: one login, next run tomorrow", async () => {
  clock = new FakeClock(ist("2026-11-23T03:35"));
  const { daemon } = await startMorning();
  await daemon.caughtUp;
  await clock.advanceTo(ist("2026-11-23T09:30"), () => daemon.idle());
  expect(loginCount(emulator)).toBe(1);
  expect(daemon.status()[0]?.nextRunAt ?? 0).toBeGreaterThanOrEqual(ist("2026-11-24T03:35"));
});
