import { captureError, expectSameRecord, expectSinkError, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

export const checkCases: SinkSuiteCase[] = [
  {
    name: "check() passes on a good, empty store",
    needs: ["check"],
    async run(context) {
      const sink = await context.open();
      await sink.check!();
    },
  },
  {
    name: "check() leaves a stored record as it was",
    needs: ["check"],
    async run(context) {
      const sink = await context.open();
      const record = makeTestRecord({ generation: 9 });
      await sink.write(record);
      await sink.check!();
      await sink.check!();
      const read = await readIfCapable(sink, "main");
      if (read !== undefined) expectSameRecord(context, read, record, "read after check()");
      context
        .expect(await sink.write(makeTestRecord({ generation: 8 })), "stale write after check()")
        .toEqual({
          status: "stale",
          storedGeneration: 9,
        });
    },
  },
  {
    name: "check() on a broken target rejects with SinkError SINK_CHECK_FAILED",
    needs: ["check"],
    async run(context) {
      const sink = await context.openBroken();
      const error = await captureError(sink.check!());
      expectSinkError(context, error, ["SINK_CHECK_FAILED"], "check() on a broken target");
    },
  },
  {
    name: "write() on a broken target rejects with SinkError",
    async run(context) {
      const sink = await context.openBroken();
      const error = await captureError(sink.write(makeTestRecord()));
      expectSinkError(context, error, ["SINK_FAILED", "SINK_CHECK_FAILED"], "write() on a broken target");
    },
  },
];
