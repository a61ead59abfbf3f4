import { inspect } from "node:util";
import { type TokenRecord, type TokenSink, toIstIso } from "@upstox-token/core";
import type { SinkSuiteContext, SinkSuiteRecordFields } from "./case.js";

const NO_ERROR = Symbol("no error");

/** Awaits a promise that should reject and returns what it rejected with, or NO_ERROR if it resolved. */
export async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return NO_ERROR;
  } catch (error) {
    return error;
  }
}

interface SinkErrorShape {
  name: string;
  code: string;
  message: string;
  sink: string;
}

/**
 * Asserts that `error` is a SinkError with one of `codes`. Checks the shape rather than `instanceof`, so a
 * third-party sink built against another copy of core passes too.
 */
export function expectSinkError(
  context: SinkSuiteContext,
  error: unknown,
  codes: readonly string[],
  what: string,
): SinkErrorShape {
  const { expect } = context;
  expect(error === NO_ERROR, `${what}: expected a rejection, but it resolved`).toBe(false);
  const shape = (typeof error === "object" && error !== null ? error : {}) as Partial<SinkErrorShape>;
  expect(shape.name, `${what}: expected a SinkError, got ${describeValue(error)}`).toBe("SinkError");
  expect(
    codes.includes(String(shape.code)),
    `${what}: code ${String(shape.code)} is not one of ${codes}`,
  ).toBe(true);
  expect(typeof shape.sink === "string" && shape.sink.length > 0, `${what}: SinkError.sink is empty`).toBe(
    true,
  );
  expect(typeof shape.message === "string" && shape.message.length > 0, `${what}: empty message`).toBe(true);
  return shape as SinkErrorShape;
}

function describeValue(value: unknown): string {
  if (value === NO_ERROR) return "no error";
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return typeof value;
}

/** Every way an error might be shown: String(), message, stack, JSON, hint, util.inspect with its cause chain. */
export function errorRenderings(error: unknown): string[] {
  const renderings: string[] = [String(error), inspect(error, { depth: 10 })];
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === "object" && current !== null; depth++) {
    const e = current as { message?: unknown; stack?: unknown; hint?: unknown; cause?: unknown };
    renderings.push(String(e.message), String(e.stack), String(e.hint));
    try {
      renderings.push(JSON.stringify(current) ?? "");
    } catch {
      // A circular error cannot be serialised; the other renderings still cover it.
    }
    current = e.cause;
  }
  return renderings;
}

/** The fields compared for a round trip, with tokens revealed and times in a readable form. */
export function comparableRecord(
  record: TokenRecord,
  fields: SinkSuiteRecordFields,
  keepsExtendedToken = true,
): Record<string, unknown> {
  const token = {
    account: record.account,
    generation: record.generation,
    accessToken: record.accessToken.reveal(),
    // A sink that cannot hold the extended token ignores it (checked by the extendedToken group instead).
    extendedToken: keepsExtendedToken ? (record.extendedToken?.reveal() ?? null) : null,
    issuedAt: toIstIso(record.issuedAt),
    expiresAt: toIstIso(record.expiresAt),
    userId: record.profile.userId,
  };
  if (fields === "token") return token;
  return { ...token, profile: record.profile, source: record.source };
}

export function expectSameRecord(
  context: SinkSuiteContext,
  actual: TokenRecord | null,
  expected: TokenRecord,
  what: string,
): void {
  context.expect(actual === null, `${what}: read returned null`).toBe(false);
  if (actual === null) return;
  context
    .expect(comparableRecord(actual, context.recordFields, context.keepsExtendedToken), what)
    .toEqual(comparableRecord(expected, context.recordFields, context.keepsExtendedToken));
}

/**
 * `sink.read(account)` when the sink can read, else undefined: for cases whose writes are worth testing on a
 * sink without `read()` too. A case that tests nothing but reads declares `needs: ["read"]` instead.
 */
export async function readIfCapable(
  sink: TokenSink,
  account: string,
): Promise<TokenRecord | null | undefined> {
  if (!sink.read) return undefined;
  return sink.read(account);
}
