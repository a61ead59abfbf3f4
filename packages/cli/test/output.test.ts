import { describe, expect, test } from "bun:test";
import { errorReportJson, formatErrorReport, toErrorReport } from "../src/error-report.js";
import { ExitCode, exitCodeForErrorCode } from "../src/exit-codes.js";
import { Output } from "../src/output.js";
import { colorEnabled, createStyle } from "../src/style.js";
import { memoryIo } from "./support/memory-io.js";

describe("colour", () => {
  test("only on a TTY, and never with --no-color, NO_COLOR or TERM=dumb", () => {
    expect(colorEnabled({ isTty: true, env: {}, flag: true })).toBe(true);
    expect(colorEnabled({ isTty: false, env: {}, flag: true })).toBe(false);
    expect(colorEnabled({ isTty: true, env: {}, flag: false })).toBe(false);
    expect(colorEnabled({ isTty: true, env: { NO_COLOR: "1" }, flag: true })).toBe(false);
    expect(colorEnabled({ isTty: true, env: { TERM: "dumb" }, flag: true })).toBe(false);
  });
  test("FORCE_COLOR turns it on without a TTY, but --no-color still wins", () => {
    expect(colorEnabled({ isTty: false, env: { FORCE_COLOR: "1" }, flag: true })).toBe(true);
    expect(colorEnabled({ isTty: false, env: { FORCE_COLOR: "0" }, flag: true })).toBe(false);
    expect(colorEnabled({ isTty: false, env: { FORCE_COLOR: "1" }, flag: false })).toBe(false);
  });
  test("a disabled style adds no escape codes", () => {
    expect(createStyle(false).red("x")).toBe("x");
    expect(createStyle(true).red("x")).toBe("\u001b[31mx\u001b[39m");
  });
});

describe("exit codes", () => {
  test("config, usage and unknown-sink errors are 2; everything else is 1", () => {
    expect(exitCodeForErrorCode("CONFIG_INVALID")).toBe(ExitCode.Usage);
    expect(exitCodeForErrorCode("USAGE")).toBe(ExitCode.Usage);
    expect(exitCodeForErrorCode("SINK_NOT_FOUND")).toBe(ExitCode.Usage);
    for (const code of ["WRONG_PIN", "TIMEOUT", "NETWORK", "RATE_LIMITED", "SINK_FAILED", "INTERNAL"]) {
      expect(exitCodeForErrorCode(code)).toBe(ExitCode.Failure);
    }
  });
});

describe("error reports", () => {
  const coded = Object.assign(new Error("2fa: Invalid PIN (4 attempts left)"), {
    code: "WRONG_PIN",
    retryable: false,
    hint: "Check UPSTOX_PIN_CODE.",
    upstoxCode: "1017106",
    httpStatus: 200,
  });

  test("recognises core-shaped errors without importing core", () => {
    const report = toErrorReport(coded);
    expect(report).toMatchObject({
      code: "WRONG_PIN",
      upstoxCode: "1017106",
      hint: "Check UPSTOX_PIN_CODE.",
      exitCode: 1,
    });
  });

  test("human form: error [CODE]: message, upstox code, hint", () => {
    const text = formatErrorReport(toErrorReport(coded), createStyle(false));
    expect(text).toBe(
      "error [WRONG_PIN]: 2fa: Invalid PIN (4 attempts left)\n  upstox code: 1017106\n  hint: Check UPSTOX_PIN_CODE.\n",
    );
  });

  test("JSON form uses snake_case and carries the exit code", () => {
    expect(errorReportJson(toErrorReport(coded))).toEqual({
      error: {
        code: "WRONG_PIN",
        message: "2fa: Invalid PIN (4 attempts left)",
        hint: "Check UPSTOX_PIN_CODE.",
        upstox_code: "1017106",
        http_status: 200,
        exit_code: 1,
      },
    });
  });

  test("anything else is INTERNAL with exit 1", () => {
    expect(toErrorReport(new TypeError("boom"))).toMatchObject({
      code: "INTERNAL",
      message: "boom",
      exitCode: 1,
    });
    expect(toErrorReport("text")).toMatchObject({ code: "INTERNAL", message: "text" });
  });
});

describe("Output", () => {
  test("JSON mode writes exactly one object on stdout; lines and notes stay out of it", () => {
    const mem = memoryIo();
    const out = new Output(mem.io, { json: true, color: true });
    out.line("human only");
    out.note("progress");
    out.result({ a: 1 });
    out.result({ b: 2 });
    out.error({ code: "SINK_FAILED", message: "late", exitCode: 1 });
    expect(JSON.parse(mem.stdout)).toEqual({ a: 1 });
    expect(mem.stderr).toContain("progress");
    expect(mem.stderr).toContain("error [SINK_FAILED]: late");
  });

  test("an error in JSON mode is the JSON object when nothing else was written", () => {
    const mem = memoryIo();
    new Output(mem.io, { json: true, color: true }).error({ code: "TIMEOUT", message: "slow", exitCode: 1 });
    expect(JSON.parse(mem.stdout)).toEqual({ error: { code: "TIMEOUT", message: "slow", exit_code: 1 } });
  });

  test("human mode: result() prints nothing, rows are aligned, no colour without a TTY", () => {
    const mem = memoryIo();
    const out = new Output(mem.io, { json: false, color: true });
    out.result({ a: 1 });
    out.rows([
      ["A", "1"],
      ["Longer", "2"],
    ]);
    expect(mem.stdout).toBe("A:      1\nLonger: 2\n");
  });

  test("colour on a TTY", () => {
    const mem = memoryIo({ tty: true });
    new Output(mem.io, { json: false, color: true }).warn("careful");
    expect(mem.stderr).toContain("\u001b[33mwarning\u001b[39m");
  });
});
