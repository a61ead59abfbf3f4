import { describe, expect, test } from "bun:test";
import { QuietCollector } from "../src/runner/quiet-collector.js";

describe("QuietCollector", () => {
  test("collects once after a quiet spell, not during a burst, not after stop()", async () => {
    let collections = 0;
    const collector = new QuietCollector({ collect: () => collections++, quietMs: 40 });
    // A burst: cycles keep starting before the quiet time is over.
    for (let i = 0; i < 5; i++) {
      collector.quiet();
      await Bun.sleep(10);
      collector.busy();
    }
    expect(collections).toBe(0);
    collector.quiet();
    collector.quiet();
    await Bun.sleep(80);
    expect(collections).toBe(1);
    collector.quiet();
    collector.stop();
    await Bun.sleep(80);
    expect(collections).toBe(1);
  });
});
