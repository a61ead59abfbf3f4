import type { TokenSink } from "@upstox-token/core";
import type { SinkSuiteCase, SinkSuiteContext, SinkSuiteNeed, SinkSuiteRecordFields } from "./case.js";
import { checkCases } from "./groups/check.js";
import { closeCases } from "./groups/close.js";
import { concurrencyCases } from "./groups/concurrency.js";
import { extendedTokenCases } from "./groups/extended-token.js";
import { multiAccountCases } from "./groups/multi-account.js";
import { overwriteCases } from "./groups/overwrite.js";
import { roundTripCases } from "./groups/round-trip.js";
import { secretsCases } from "./groups/secrets.js";
import { staleGenerationCases } from "./groups/stale-generation.js";
import type { SinkSuiteRunner } from "./runner.js";
import { type SinkSuiteGroup, type SinkSuiteStore, sinkSuiteGroups } from "./store.js";

export interface SinkSuiteOptions {
  /** Shown in the test names, e.g. "env". */
  name: string;
  /** Makes a fresh backing store for one test. */
  store: () => Promise<SinkSuiteStore>;
  /** Groups this sink cannot pass by design (say why in a comment beside the call). */
  skip?: SinkSuiteGroup[];
  /** "full" (default) or "token" for sinks that store only what a token consumer needs. */
  recordFields?: SinkSuiteRecordFields;
  /**
   * "kept" (default): the sink stores the extended token beside the access token, and every round trip compares
   * it. "ignored": a sink that cannot hold it; it may read back none, but never a stale one.
   */
  extendedToken?: "kept" | "ignored";
  /** Per-test timeout. Default 30 s: file locks and servers are slower than memory. */
  timeoutMs?: number;
}

const casesByGroup: Record<SinkSuiteGroup, readonly SinkSuiteCase[]> = {
  roundTrip: roundTripCases,
  overwrite: overwriteCases,
  staleGeneration: staleGenerationCases,
  concurrency: concurrencyCases,
  check: checkCases,
  close: closeCases,
  secrets: secretsCases,
  multiAccount: multiAccountCases,
  extendedToken: extendedTokenCases,
};

/**
 * Registers the compliance tests with the given runner, one `describe` per group (await it at the top of the
 * test file). Each test gets a fresh store from `options.store()`; every sink it opens is closed afterwards and
 * the store cleaned up. What the sink can do is inferred from the methods one probe sink has: a case that needs
 * `read()`, `check()` or `close()` is registered with `test.skip` when the sink has no such method, so the
 * report shows it as skipped instead of a pass that tested nothing.
 */
export async function runSinkComplianceSuite(
  runner: SinkSuiteRunner,
  options: SinkSuiteOptions,
): Promise<void> {
  const skip = new Set(options.skip ?? []);
  for (const group of skip) {
    if (!sinkSuiteGroups.includes(group)) throw new TypeError(`unknown sink suite group: ${String(group)}`);
  }
  const has = await probeMethods(options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  runner.describe(`${options.name} sink compliance`, () => {
    for (const group of sinkSuiteGroups) {
      if (skip.has(group)) continue;
      runner.describe(group, () => registerGroup(runner, options, casesByGroup[group], timeoutMs, has));
    }
  });
}

/** Opens one sink on a throwaway store to see which optional methods it has. */
async function probeMethods(options: SinkSuiteOptions): Promise<Record<SinkSuiteNeed, boolean>> {
  const store = await options.store();
  try {
    const sink = await store.open();
    const has = {
      read: typeof sink.read === "function",
      check: typeof sink.check === "function",
      close: typeof sink.close === "function",
    };
    await sink.close?.();
    return has;
  } finally {
    await store.cleanup?.();
  }
}

function registerGroup(
  runner: SinkSuiteRunner,
  options: SinkSuiteOptions,
  cases: readonly SinkSuiteCase[],
  timeoutMs: number,
  has: Record<SinkSuiteNeed, boolean>,
): void {
  let store: SinkSuiteStore | undefined;
  let opened: TokenSink[] = [];

  const currentStore = (): SinkSuiteStore => {
    if (!store) throw new Error("sink suite: no store (did the runner skip beforeEach?)");
    return store;
  };
  const track = (sink: TokenSink): TokenSink => {
    opened.push(sink);
    return sink;
  };
  const context: SinkSuiteContext = {
    expect: runner.expect,
    recordFields: options.recordFields ?? "full",
    keepsExtendedToken: options.extendedToken !== "ignored",
    open: async () => track(await currentStore().open()),
    openBroken: async () => track(await currentStore().openBroken()),
  };

  runner.beforeEach(async () => {
    opened = [];
    store = await options.store();
  });
  runner.afterEach(async () => {
    const sinks = opened;
    const finished = store;
    opened = [];
    store = undefined;
    try {
      for (const sink of sinks) await sink.close?.();
    } finally {
      await finished?.cleanup?.();
    }
  });
  for (const testCase of cases) {
    const missing = (testCase.needs ?? []).filter((need) => !has[need]);
    if (missing.length === 0) {
      runner.test(testCase.name, () => testCase.run(context), timeoutMs);
      continue;
    }
    const skipTest = runner.test.skip;
    if (!skipTest) {
      throw new TypeError(
        `sink suite: the sink has no ${missing.join("/")}(), so "${testCase.name}" must be reported as skipped, but the runner's test has no .skip`,
      );
    }
    skipTest(`${testCase.name} (skipped: the sink has no ${missing.map((m) => `${m}()`).join(", ")})`, () =>
      testCase.run(context),
    );
  }
}
