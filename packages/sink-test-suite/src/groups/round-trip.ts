import { expectSameRecord, readIfCapable } from "../assertions.js";
import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

export const roundTripCases: SinkSuiteCase[] = [
  {
    name: "declares a name; read, check and close are methods when present",
    async run(context) {
      const { expect } = context;
      const sink = await context.open();
      expect(
        typeof sink.name === "string" && sink.name.length > 0,
        "sink.name must be a non-empty string",
      ).toBe(true);
      expect(typeof sink.write, "write() is the one method every sink has").toBe("function");
      for (const key of ["read", "check", "close"] as const) {
        const kind = typeof sink[key];
        expect(kind === "undefined" || kind === "function", `${key} must be a method or absent`).toBe(true);
      }
    },
  },
  {
    name: "a written record reads back with its fields, tokens and dates intact",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      const record = makeTestRecord({ generation: 3 });
      context.expect(await sink.write(record), "write to an empty store").toEqual({ status: "written" });
      const read = await readIfCapable(sink, record.account);
      if (read !== undefined) expectSameRecord(context, read, record, "read after write");
    },
  },
  {
    name: "a record written by one sink instance is read by a new one",
    needs: ["read"],
    async run(context) {
      const record = makeTestRecord({ generation: 1 });
      const writer = await context.open();
      await writer.write(record);
      await writer.close?.();
      const reader = await context.open();
      const read = await readIfCapable(reader, record.account);
      if (read !== undefined) expectSameRecord(context, read, record, "read from a new instance");
    },
  },
  {
    name: "read of an account never written returns null",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      const read = await readIfCapable(sink, "nobody");
      if (read !== undefined) context.expect(read, "read of an unknown account on an empty store").toBeNull();
    },
  },
];
