import { captureError, expectSinkError } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

export const closeCases: SinkSuiteCase[] = [
  {
    name: "close() on an unused sink can be called twice",
    needs: ["close"],
    async run(context) {
      const sink = await context.open();
      await sink.close!();
      await sink.close!();
    },
  },
  {
    name: "close() after writes can be called twice, also concurrently",
    needs: ["close"],
    async run(context) {
      const sink = await context.open();
      await sink.write(makeTestRecord({ generation: 1 }));
      await Promise.all([sink.close!(), sink.close!()]);
      await sink.close!();
    },
  },
  {
    name: "write() after close() rejects with a SinkError that says the sink is closed",
    needs: ["close"],
    async run(context) {
      const sink = await context.open();
      await sink.write(makeTestRecord({ generation: 1 }));
      await sink.close!();
      const error = await captureError(sink.write(makeTestRecord({ generation: 2 })));
      const shape = expectSinkError(context, error, ["SINK_FAILED"], "write() after close()");
      context.expect(shape.message, "the message should say the sink is closed").toMatch(/closed/i);
    },
  },
  {
    name: "closing one instance leaves the store usable by another",
    needs: ["close"],
    async run(context) {
      const a = await context.open();
      const b = await context.open();
      await a.write(makeTestRecord({ generation: 1 }));
      await a.close!();
      context.expect(await b.write(makeTestRecord({ generation: 2 })), "write by the open instance").toEqual({
        status: "written",
      });
    },
  },
];
