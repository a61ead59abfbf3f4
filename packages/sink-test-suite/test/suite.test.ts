import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { runSinkComplianceSuite, type SinkSuiteGroup, sinkSuiteGroups } from "../src/index.js";
import { type MemorySinkFault, memoryStore, writeOnlyStore } from "./memory-sink.js";
import { createRecordingRunner, type RecordedResult } from "./recording-runner.js";

// The reference sink passes every group, run by bun:test itself.
await runSinkComplianceSuite(
  { describe, test, expect, beforeEach, afterEach },
  { name: "memory", store: memoryStore() },
);

async function runAgainst(faults: MemorySinkFault[]): Promise<RecordedResult[]> {
  const runner = createRecordingRunner(expect);
  await runSinkComplianceSuite(runner, { name: "memory", store: memoryStore(faults) });
  return runner.run();
}

function failedGroups(results: RecordedResult[]): Set<string> {
  return new Set(results.filter((r) => r.error !== undefined).map((r) => r.path[1] as string));
}

describe("the recording runner", () => {
  test("runs every registered test and reports none failed for the reference sink", async () => {
    const results = await runAgainst([]);
    expect(results.length).toBeGreaterThanOrEqual(25);
    expect(new Set(results.map((r) => r.path[1]))).toEqual(new Set(sinkSuiteGroups));
    expect(results.filter((r) => r.error !== undefined).map((r) => r.path.join(" > "))).toEqual([]);
  });

  test("honours skip", async () => {
    const runner = createRecordingRunner(expect);
    await runSinkComplianceSuite(runner, {
      name: "memory",
      store: memoryStore(),
      skip: ["concurrency", "secrets"],
    });
    const groups = new Set((await runner.run()).map((r) => r.path[1]));
    expect(groups.has("concurrency")).toBe(false);
    expect(groups.has("secrets")).toBe(false);
    expect(groups.has("roundTrip")).toBe(true);
  });

  test("rejects an unknown group name in skip", async () => {
    const runner = createRecordingRunner(expect);
    await expect(
      runSinkComplianceSuite(runner, { name: "x", store: memoryStore(), skip: ["nope" as SinkSuiteGroup] }),
    ).rejects.toThrow(/unknown sink suite group/);
  });

  test("a sink with only name and write: read, check and close cases are reported skipped, the rest run", async () => {
    const runner = createRecordingRunner(expect);
    await runSinkComplianceSuite(runner, { name: "write-only", store: writeOnlyStore() });
    const results = await runner.run();
    const skipped = results.filter((r) => r.skipped);
    expect(skipped.length).toBeGreaterThanOrEqual(10);
    for (const r of skipped)
      expect(r.path.at(-1)).toMatch(/\(skipped: the sink has no (read|check|close)\(\)/);
    expect(skipped.some((r) => r.path.at(-1)?.startsWith("a written record reads back"))).toBe(true);
    expect(results.filter((r) => !r.skipped && r.error !== undefined).map((r) => r.path.join(" > "))).toEqual(
      [],
    );
    expect(results.some((r) => !r.skipped && r.path[1] === "staleGeneration")).toBe(true);
  });

  test("a runner without test.skip is refused when a case would have to be skipped", async () => {
    const runner = createRecordingRunner(expect);
    const plain = { ...runner, test: (name: string, body: () => Promise<void>) => runner.test(name, body) };
    await expect(
      runSinkComplianceSuite(plain, { name: "write-only", store: writeOnlyStore() }),
    ).rejects.toThrow(/test has no \.skip/);
  });
});

// Each deliberately broken sink must fail at least the groups listed, and the reference sink none.
const brokenSinks: Array<[MemorySinkFault, string, SinkSuiteGroup[]]> = [
  ["ignoresGenerations", "ignores generations", ["staleGeneration", "concurrency", "check", "multiAccount"]],
  ["racyReadModifyWrite", "reads, waits, then writes (lost updates)", ["concurrency"]],
  ["leaksTokenInErrors", "puts the token in error messages", ["secrets"]],
  ["checkAlwaysPasses", "passes check() on a broken target", ["check"]],
  ["writesAfterClose", "accepts writes after close()", ["close", "secrets"]],
  ["closeThrowsTwice", "throws on a second close()", ["close"]],
  ["oneSlotForAllAccounts", "keeps one record for all accounts", ["multiAccount"]],
  ["dropsExtendedToken", "drops the extended token", ["roundTrip", "overwrite", "staleGeneration"]],
  ["readsUnknownAsEmptyRecord", "answers an unknown account with another's record", ["multiAccount"]],
  ["keepsFirstExtendedToken", "keeps a stale extended token beside a new access token", ["extendedToken"]],
];

test('a sink that cannot hold the extended token passes every group with extendedToken: "ignored"', async () => {
  const runner = createRecordingRunner(expect);
  await runSinkComplianceSuite(runner, {
    name: "memory without extended tokens",
    store: memoryStore(["dropsExtendedToken"]),
    extendedToken: "ignored",
  });
  const results = await runner.run();
  expect(results.some((r) => r.path[1] === "extendedToken")).toBe(true);
  expect(results.filter((r) => r.error !== undefined).map((r) => r.path.join(" > "))).toEqual([]);
}, 60_000);

describe("the suite catches broken sinks", () => {
  for (const [fault, description, groups] of brokenSinks) {
    test(`a sink that ${description} fails ${groups.join(", ")}`, async () => {
      const failed = failedGroups(await runAgainst([fault]));
      for (const group of groups) expect(failed.has(group), `${fault} should fail ${group}`).toBe(true);
    }, 60_000);
  }
});
