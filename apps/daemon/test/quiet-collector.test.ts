import { describe, expect, test } from "bun:test";
import { QuietCollector } from "../src/runner/quiet-collector.js";
import { FakeClock } from "./support/fake-clock.js";

describe("QuietCollector", () => {
  test("collects once after a quiet spell, not during a burst, not after stop() (fake timers)", async () => {
    const clock = new FakeClock(0);
    const timers = {
      set: (cb: () => void, ms: number) => clock.setTimer(cb, ms),
      clear: (h: unknown) => clock.clearTimer(h),
    };
    let collections = 0;
    const collector = new QuietCollector({ collect: () => collections++, quietMs: 40, timers });
    // A burst: cycles keep starting before the quiet time is over.
    for (let i = 0; i < 5; i++) {
      collector.quiet();
      await clock.advanceTo(clock.now() + 10);
      collector.busy();
    }
    expect(collections).toBe(0);
    expect(clock.pending).toBe(0);
    collector.quiet();
    collector.quiet();
    await clock.advanceTo(clock.now() + 39);
    expect(collections).toBe(0);
    await clock.advanceTo(clock.now() + 1);
    expect(collections).toBe(1);
    collector.quiet();
    collector.stop();
    await clock.advanceTo(clock.now() + 1_000);
    expect(collections).toBe(1);
  });
});
