import { expectSameRecord, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

const HOUR = 3_600_000;

export const overwriteCases: SinkSuiteCase[] = [
  {
    name: "a higher generation replaces the stored record",
    async run(context) {
      const sink = await context.open();
      const first = makeTestRecord({ generation: 1 });
      const second = makeTestRecord({ generation: 2, issuedAt: first.issuedAt + 20 * HOUR });
      context.expect(await sink.write(first)).toEqual({ status: "written" });
      context.expect(await sink.write(second), "write of generation 2 over 1").toEqual({ status: "written" });
      const read = await readIfCapable(sink, "main");
      if (read !== undefined) expectSameRecord(context, read, second, "read after overwrite");
    },
  },
  {
    name: "successive generations, also with gaps, always leave the newest",
    async run(context) {
      const sink = await context.open();
      for (const generation of [1, 2, 5, 6, 40]) {
        const record = makeTestRecord({ generation, issuedAt: Date.UTC(2026, 2, 1) + generation * HOUR });
        context
          .expect(await sink.write(record), `write of generation ${generation}`)
          .toEqual({ status: "written" });
        const read = await readIfCapable(sink, "main");
        if (read !== undefined)
          expectSameRecord(context, read, record, `read after generation ${generation}`);
      }
    },
  },
  {
    name: "a higher generation from another sink instance replaces the stored record",
    async run(context) {
      const a = await context.open();
      const b = await context.open();
      await a.write(makeTestRecord({ generation: 7 }));
      const newer = makeTestRecord({ generation: 8 });
      context.expect(await b.write(newer), "write of generation 8 by a second instance").toEqual({
        status: "written",
      });
      const read = await readIfCapable(a, "main");
      if (read !== undefined) expectSameRecord(context, read, newer, "read by the first instance");
    },
  },
];
