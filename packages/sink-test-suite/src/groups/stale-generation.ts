import { expectSameRecord, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

export const staleGenerationCases: SinkSuiteCase[] = [
  {
    name: "a lower generation is rejected as stale and the stored record is unchanged",
    async run(context) {
      const sink = await context.open();
      const stored = makeTestRecord({ generation: 5 });
      await sink.write(stored);
      const older = makeTestRecord({ generation: 3 });
      context.expect(await sink.write(older), "write of generation 3 over 5").toEqual({
        status: "stale",
        storedGeneration: 5,
      });
      const read = await readIfCapable(sink, "main");
      if (read !== undefined) expectSameRecord(context, read, stored, "read after a stale write");
    },
  },
  {
    name: "a lower generation from another sink instance is rejected as stale",
    async run(context) {
      const a = await context.open();
      const b = await context.open();
      const stored = makeTestRecord({ generation: 12 });
      await a.write(stored);
      context
        .expect(await b.write(makeTestRecord({ generation: 11 })), "stale write by a second instance")
        .toEqual({
          status: "stale",
          storedGeneration: 12,
        });
      const read = await readIfCapable(b, "main");
      if (read !== undefined) expectSameRecord(context, read, stored, "read after a stale write");
    },
  },
  {
    name: "writing the same generation again is idempotent",
    async run(context) {
      const sink = await context.open();
      const record = makeTestRecord({ generation: 4 });
      context.expect(await sink.write(record)).toEqual({ status: "written" });
      context
        .expect(await sink.write(record), "second write of the same record")
        .toEqual({ status: "written" });
      const read = await readIfCapable(sink, "main");
      if (read !== undefined) expectSameRecord(context, read, record, "read after a repeated write");
    },
  },
  {
    name: "generation 0 is accepted on an empty store",
    async run(context) {
      const sink = await context.open();
      const record = makeTestRecord({ generation: 0 });
      context.expect(await sink.write(record), "write of generation 0").toEqual({ status: "written" });
      const read = await readIfCapable(sink, "main");
      if (read !== undefined) expectSameRecord(context, read, record, "read of generation 0");
    },
  },
];
