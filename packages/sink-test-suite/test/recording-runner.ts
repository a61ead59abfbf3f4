import type { SinkSuiteExpect, SinkSuiteRunner } from "../src/index.js";

type Hook = () => Promise<void>;

interface Scope {
  name: string;
  before: Hook[];
  after: Hook[];
}

interface RecordedTest {
  path: string[];
  scopes: Scope[];
  body: () => Promise<void>;
  skipped?: boolean;
}

export interface RecordedResult {
  /** Registered with test.skip: never run. */
  skipped?: boolean;
  /** e.g. ["memory sink compliance", "staleGeneration", "a lower generation is rejected ..."] */
  path: string[];
  error: unknown;
}

/**
 * A runner that records what the suite registers and runs it later, so a test can run the whole suite against
 * a broken sink and inspect which tests failed, instead of failing itself.
 */
export function createRecordingRunner(expect: SinkSuiteExpect): SinkSuiteRunner & {
  run(): Promise<RecordedResult[]>;
} {
  const root: Scope = { name: "", before: [], after: [] };
  const stack: Scope[] = [root];
  const tests: RecordedTest[] = [];
  const top = (): Scope => stack[stack.length - 1] as Scope;

  return {
    expect,
    describe(name, body) {
      stack.push({ name, before: [], after: [] });
      try {
        body();
      } finally {
        stack.pop();
      }
    },
    test: Object.assign(
      (name: string, body: () => Promise<void>) => {
        tests.push({ path: [...stack.slice(1).map((s) => s.name), name], scopes: [...stack], body });
      },
      {
        skip: (name: string, body: () => Promise<void>) => {
          tests.push({ path: [...stack.slice(1).map((s) => s.name), name], scopes: [], body, skipped: true });
        },
      },
    ),
    beforeEach(hook) {
      top().before.push(hook);
    },
    afterEach(hook) {
      top().after.push(hook);
    },
    async run() {
      const results: RecordedResult[] = [];
      for (const test of tests) {
        if (test.skipped) {
          results.push({ path: test.path, error: undefined, skipped: true });
          continue;
        }
        let error: unknown;
        try {
          for (const scope of test.scopes) for (const hook of scope.before) await hook();
          await test.body();
        } catch (e) {
          error = e;
        } finally {
          for (const scope of [...test.scopes].reverse()) {
            for (const hook of scope.after) {
              try {
                await hook();
              } catch (e) {
                error ??= e;
              }
            }
          }
        }
        results.push({ path: test.path, error });
      }
      return results;
    },
  };
}
