import type { SinkWriteResult, TokenRecord, TokenSink } from "@upstox-token/core";
import { expectSameRecord, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

const INSTANCES = 4;
const WRITES_PER_ROUND = 20;
const ROUNDS = 3;

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export const concurrencyCases: SinkSuiteCase[] = [
  {
    name: `${WRITES_PER_ROUND} parallel writes from ${INSTANCES} instances leave the highest generation, never torn`,
    async run(context) {
      const { expect } = context;
      const sinks: TokenSink[] = [];
      for (let i = 0; i < INSTANCES; i++) sinks.push(await context.open());
      for (let round = 0; round < ROUNDS; round++) {
        const base = round * WRITES_PER_ROUND;
        // Each generation has its own token and times, so a record mixed from two writes would not match any.
        const records: TokenRecord[] = [];
        for (let g = base + 1; g <= base + WRITES_PER_ROUND; g++) {
          records.push(makeTestRecord({ generation: g, issuedAt: Date.UTC(2026, 3, 1) + g * 60_000 }));
        }
        const order = shuffled(records);
        const results = await Promise.all(
          order.map((record, i) => (sinks[i % INSTANCES] as TokenSink).write(record)),
        );
        const highest = records[records.length - 1] as TokenRecord;
        order.forEach((record, i) => {
          const result = results[i] as SinkWriteResult;
          if (record === highest) {
            expect(result, `round ${round}: the highest generation must be written`).toEqual({
              status: "written",
            });
          } else if (result.status === "stale") {
            expect(
              result.storedGeneration,
              `round ${round}: stale answer for ${record.generation}`,
            ).toBeGreaterThan(record.generation);
          } else {
            expect(result.status, `round ${round}: unknown status`).toBe("written");
          }
        });
        const reader = await context.open();
        const read = await readIfCapable(reader, "main");
        if (read !== undefined) expectSameRecord(context, read, highest, `round ${round}: stored record`);
      }
    },
  },
  {
    name: "a stale writer racing a newer one never wins",
    async run(context) {
      const a = await context.open();
      const b = await context.open();
      for (let g = 2; g <= 30; g += 2) {
        const newer = makeTestRecord({ generation: g });
        const older = makeTestRecord({ generation: g - 1 });
        const [olderResult, newerResult] = await Promise.all([a.write(older), b.write(newer)]);
        context.expect(newerResult, `generation ${g} racing ${g - 1}`).toEqual({ status: "written" });
        if (olderResult.status === "stale") context.expect(olderResult.storedGeneration).toBe(g);
        const read = await readIfCapable(a, "main");
        if (read !== undefined) expectSameRecord(context, read, newer, `stored record after race ${g}`);
      }
    },
  },
];
