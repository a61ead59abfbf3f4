import type { SinkSuiteCase } from "../case.js";
import { makeTestRecord } from "../test-record.js";

/**
 * The extended token (a one-year read-only token; with `refresh_extended_token` each login brings a fresh one)
 * is stored beside the access token by sinks that can hold it; a sink that cannot ignores it. Either way a
 * reader never gets an extended token older than the access token it reads with it.
 */
export const extendedTokenCases: SinkSuiteCase[] = [
  {
    name: "a new generation's extended token replaces the old one (a sink that ignores it reads back none)",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      const first = makeTestRecord({ generation: 1 });
      const second = makeTestRecord({ generation: 2 });
      await sink.write(first);
      await sink.write(second);
      const read = await sink.read!("main");
      const extended = read?.extendedToken?.reveal() ?? null;
      context
        .expect(extended === first.extendedToken!.reveal(), "the extended token of generation 1 read back")
        .toBe(false);
      context
        .expect(extended, "the extended token read back")
        .toBe(context.keepsExtendedToken ? second.extendedToken!.reveal() : extended);
    },
  },
  {
    name: "a record without an extended token leaves none of the previous one behind",
    needs: ["read"],
    async run(context) {
      const sink = await context.open();
      await sink.write(makeTestRecord({ generation: 1 }));
      const bare = { ...makeTestRecord({ generation: 2 }), extendedToken: undefined };
      await sink.write(bare);
      const read = await sink.read!("main");
      context.expect(read?.extendedToken?.reveal() ?? null, "the extended token read back").toBeNull();
    },
  },
];
