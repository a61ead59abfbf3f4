import { expectSameRecord, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

export const multiAccountCases: SinkSuiteCase[] = [
  {
    name: "records of different accounts are stored separately",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      const main = makeTestRecord({ account: "main", userId: "7AB2CD", generation: 1 });
      const family = makeTestRecord({ account: "family-2", userId: "9ZX8YW", generation: 1 });
      context.expect(await sink.write(main)).toEqual({ status: "written" });
      context.expect(await sink.write(family), "write of a second account").toEqual({ status: "written" });
      const readMain = await readIfCapable(sink, "main");
      if (readMain !== undefined) expectSameRecord(context, readMain, main, "read of the first account");
      const readFamily = await readIfCapable(sink, "family-2");
      if (readFamily !== undefined)
        expectSameRecord(context, readFamily, family, "read of the second account");
    },
  },
  {
    name: "generations are counted per account",
    async run(context) {
      const sink = await context.open();
      await sink.write(makeTestRecord({ account: "main", generation: 5 }));
      const other = makeTestRecord({ account: "other", generation: 1 });
      context
        .expect(await sink.write(other), "generation 1 of another account")
        .toEqual({ status: "written" });
      const main = makeTestRecord({ account: "main", generation: 6 });
      context.expect(await sink.write(main)).toEqual({ status: "written" });
      context.expect(await sink.write(makeTestRecord({ account: "other", generation: 0 }))).toEqual({
        status: "stale",
        storedGeneration: 1,
      });
      const readMain = await readIfCapable(sink, "main");
      if (readMain !== undefined) expectSameRecord(context, readMain, main, "read of main");
      const readOther = await readIfCapable(sink, "other");
      if (readOther !== undefined) expectSameRecord(context, readOther, other, "read of other");
    },
  },
  {
    name: "read of an unknown account returns null while others are stored",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      await sink.write(makeTestRecord({ account: "main" }));
      await sink.write(makeTestRecord({ account: "second" }));
      const read = await readIfCapable(sink, "third");
      if (read !== undefined) context.expect(read, "read of an unknown account").toBeNull();
    },
  },
];
