import { captureError, errorRenderings } from "../assertions.js";
import type { SinkSuiteCase, SinkSuiteContext } from "../case.js";
import { makeMarkerToken, makeTestRecord } from "../test-record.js";

function expectNoMarker(context: SinkSuiteContext, texts: string[], parts: string[], what: string): void {
  for (const text of texts) {
    for (const part of parts) {
      // The message names the leak without printing the text around it, which would hold the marker.
      context
        .expect(text.includes(part), `${what} contains the token (a marker part was found in it)`)
        .toBe(false);
    }
  }
}

export const secretsCases: SinkSuiteCase[] = [
  {
    name: "a failed write on a broken target does not reveal the token in its error",
    async run(context) {
      const marker = makeMarkerToken();
      const sink = await context.openBroken();
      const error = await captureError(sink.write(makeTestRecord({ accessToken: marker.token })));
      context
        .expect(error instanceof Error, "write() on a broken target must reject with an Error")
        .toBe(true);
      expectNoMarker(context, errorRenderings(error), marker.parts, "the write error");
      expectNoMarker(context, [sink.name], marker.parts, "sink.name");
    },
  },
  {
    name: "a write after close() does not reveal the token in its error",
    needs: ["close"],
    async run(context) {
      const marker = makeMarkerToken();
      const sink = await context.open();
      await sink.close!();
      const error = await captureError(sink.write(makeTestRecord({ accessToken: marker.token })));
      context.expect(error instanceof Error, "write() after close() must reject with an Error").toBe(true);
      expectNoMarker(context, errorRenderings(error), marker.parts, "the write-after-close error");
    },
  },
  {
    name: "a stored token appears neither in the sink's name nor in check() or stale results",
    needs: ["check"],
    async run(context) {
      const marker = makeMarkerToken();
      const sink = await context.open();
      await sink.write(makeTestRecord({ accessToken: marker.token, generation: 2 }));
      await sink.check!();
      const stale = await sink.write(makeTestRecord({ generation: 1 }));
      expectNoMarker(
        context,
        [sink.name, JSON.stringify(stale)],
        marker.parts,
        "sink.name or a stale result",
      );
    },
  },
  {
    name: "a check() failure does not reveal a token written before",
    needs: ["check"],
    async run(context) {
      const marker = makeMarkerToken();
      const broken = await context.openBroken();
      await captureError(broken.write(makeTestRecord({ accessToken: marker.token })));
      const error = await captureError(broken.check!());
      expectNoMarker(context, errorRenderings(error), marker.parts, "the check() error");
    },
  },
];
