import { describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { cronZone, isTimeZone } from "../src/config/time-zone.js";
import { nextRunAt } from "../src/runner/schedule.js";

// The daemon gives croner IST as a fixed +05:30 offset (no ICU time-zone data in memory). It must schedule
// exactly as croner's IANA "Asia/Kolkata" does.
describe("IST as a fixed offset", () => {
  test("Asia/Kolkata (and its old name) become utcOffset 330; other zones stay IANA names", () => {
    expect(cronZone("Asia/Kolkata")).toEqual({ utcOffset: 330 });
    expect(cronZone("Asia/Calcutta")).toEqual({ utcOffset: 330 });
    expect(cronZone("America/New_York")).toEqual({ timezone: "America/New_York" });
    expect(isTimeZone("Asia/Kolkata")).toBe(true);
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  test("the same runs as croner's Asia/Kolkata, for several crons over two years", () => {
    const crons = ["35 3 * * *", "0 9 * * 1-5", "*/20 2-4 * * *", "15 22 L * *", "0 0 29 2 *"];
    const start = Date.UTC(2026, 0, 1, 0, 7, 13);
    for (const cron of crons) {
      const iana = new Cron(cron, { timezone: "Asia/Kolkata", paused: true });
      const fixed = new Cron(cron, { ...cronZone("Asia/Kolkata"), paused: true });
      for (let from = start; from < start + 2 * 366 * 86_400_000; from += 86_400_000 * 7 + 3_600_000 * 5) {
        expect(fixed.nextRuns(3, new Date(from)).map(Number)).toEqual(
          iana.nextRuns(3, new Date(from)).map(Number),
        );
      }
    }
  });

  test("nextRunAt gives the same answer whichever name the config uses", () => {
    const schedule = { cron: "35 3 * * *", jitterMaxMs: 120_000 };
    const from = Date.UTC(2026, 10, 23, 3, 30);
    expect(nextRunAt({ ...schedule, timezone: "Asia/Kolkata" }, "main", from)).toBe(
      nextRunAt({ ...schedule, timezone: "Asia/Calcutta" }, "main", from),
    );
  });
});
