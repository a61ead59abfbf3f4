/**
 * The parts of a test runner the suite needs. Typed loosely on purpose: `bun:test` and `vitest` both fit
 * without casts, and so does a hand-made runner that records tests instead of running them.
 */
export interface SinkSuiteMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toMatch(expected: RegExp): void;
  toBeGreaterThan(expected: number): void;
  toContain(expected: unknown): void;
}

export interface SinkSuiteAssertion extends SinkSuiteMatchers {
  readonly not: SinkSuiteMatchers;
}

/** `expect(actual, message?)`: both bun:test and vitest take a failure message as the second argument. */
export type SinkSuiteExpect = (actual: unknown, message?: string) => SinkSuiteAssertion;

/** A runner's `test`; its `skip` (bun:test and vitest have one) reports a case the sink cannot run. */
export type SinkSuiteTest = ((name: string, body: () => Promise<void>, timeoutMs?: number) => void) & {
  skip?: (name: string, body: () => Promise<void>) => void;
};

export interface SinkSuiteRunner {
  describe: (name: string, body: () => void) => void;
  test: SinkSuiteTest;
  expect: SinkSuiteExpect;
  beforeEach: (hook: () => Promise<void>) => void;
  afterEach: (hook: () => Promise<void>) => void;
}
