import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { accountJitterMs, nextRunAt, nextRuns } from "../src/runner/schedule.js";
import { ist } from "./support/helpers.js";

const daily = { cron: "35 3 * * *", timezone: "Asia/Kolkata", jitterMaxMs: 120_000 };

describe("schedule", () => {
  test("jitter is per account, stable, and inside [0, max)", () => {
    const jitters = Array.from({ length: 500 }, (_, i) => accountJitterMs(`account-${i}`, 120_000));
    expect(jitters.every((j) => j >= 0 && j < 120_000)).toBe(true);
    expect(new Set(jitters).size).toBeGreaterThan(450);
    expect(accountJitterMs("main", 120_000)).toBe(accountJitterMs("main", 120_000));
    expect(accountJitterMs("main", 0)).toBe(0);
  });

  test("next runs are at the cron time in IST plus the jitter, never at or before `from`", () => {
    const jitter = accountJitterMs("main", 120_000);
    const from = ist("2026-11-23T09:00");
    expect(nextRuns(daily, "main", from, 3)).toEqual([
      ist("2026-11-24T03:35") + jitter,
      ist("2026-11-25T03:35") + jitter,
      ist("2026-11-26T03:35") + jitter,
    ]);
    // Between the cron time and the jittered run, the jittered run of today is still ahead.
    expect(nextRunAt(daily, "main", ist("2026-11-24T03:35") + jitter - 1)).toBe(
      ist("2026-11-24T03:35") + jitter,
    );
    expect(nextRunAt(daily, "main", ist("2026-11-24T03:35") + jitter)).toBe(ist("2026-11-25T03:35") + jitter);
  });

  for (const tz of ["UTC", "America/New_York"]) {
    test(`a daemon on a fake clock in TZ=${tz} refreshes at 03:35 IST (+ jitter) each day`, async () => {
      const probe = Bun.spawn(["bun", join(import.meta.dir, "fixtures", "schedule-probe.ts")], {
        env: { ...process.env, TZ: tz },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([
        new Response(probe.stdout).text(),
        new Response(probe.stderr).text(),
        probe.exited,
      ]);
      expect(err).toBe("");
      expect(code).toBe(0);
      const { starts, report } = JSON.parse(out) as { starts: number[]; report: string };
      const jitter = accountJitterMs("tz-probe", 120_000);
      expect(starts).toEqual([
        ist("2026-11-23T09:00"),
        ist("2026-11-24T03:35") + jitter,
        ist("2026-11-25T03:35") + jitter,
        ist("2026-11-26T03:35") + jitter,
      ]);
      const seconds = String(Math.floor(jitter / 1000) % 60).padStart(2, "0");
      const minute = String(35 + Math.floor(jitter / 60_000)).padStart(2, "0");
      expect(report).toContain(`next: 2026-11-24 03:${minute}:${seconds} IST`);
      // The local column follows the machine's zone: 22:0x UTC, or 17:0x EST the evening before.
      expect(report).toContain(tz === "UTC" ? "2026-11-23 22:0" : "2026-11-23 17:0");
      expect(report).toContain(tz === "UTC" ? "UTC)" : "EST)");
    });
  }
});
