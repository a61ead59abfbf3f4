import { type ExitCodeValue, exitCodeForErrorCode } from "./exit-codes.js";
import type { Style } from "./style.js";

/**
 * A printable view of any error. Core's errors are recognised by shape (a string `code` and a boolean
 * `retryable`), not by `instanceof`, so printing an error never has to load core.
 */
export interface ErrorReport {
  code: string;
  message: string;
  hint?: string | undefined;
  upstoxCode?: string | undefined;
  httpStatus?: number | undefined;
  /** The variable or option at fault (config errors). */
  field?: string | undefined;
  /** The sink at fault (sink errors). */
  sink?: string | undefined;
  exitCode: ExitCodeValue;
}

interface CodedError extends Error {
  code: string;
  retryable: boolean;
  hint?: unknown;
  upstoxCode?: unknown;
  httpStatus?: unknown;
  field?: unknown;
  sink?: unknown;
}

function isCodedError(error: unknown): error is CodedError {
  if (!(error instanceof Error)) return false;
  const e = error as unknown as Record<string, unknown>;
  return typeof e.code === "string" && typeof e.retryable === "boolean";
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

export function toErrorReport(error: unknown): ErrorReport {
  if (isCodedError(error)) {
    return {
      code: error.code,
      message: error.message,
      hint: optionalString(error.hint),
      upstoxCode: optionalString(error.upstoxCode),
      httpStatus: typeof error.httpStatus === "number" ? error.httpStatus : undefined,
      field: optionalString(error.field),
      sink: optionalString(error.sink),
      exitCode: exitCodeForErrorCode(error.code),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: "INTERNAL",
    message,
    hint: "This is a bug in upstox-token; run again with --debug and report it with the output (it contains no secrets).",
    exitCode: exitCodeForErrorCode("INTERNAL"),
  };
}

/** The human form, for stderr: `error [CODE]: message`, then the Upstox code and the hint on their own lines. */
export function formatErrorReport(report: ErrorReport, style: Style): string {
  const lines = [`${style.red(style.bold(`error [${report.code}]`))}: ${report.message}`];
  if (report.upstoxCode) lines.push(`  upstox code: ${report.upstoxCode}`);
  if (report.hint) lines.push(`  ${style.yellow("hint")}: ${report.hint}`);
  return `${lines.join("\n")}\n`;
}

/** The JSON form, for stdout with --json: snake_case like the rest of the JSON output. */
export function errorReportJson(report: ErrorReport): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = { code: report.code, message: report.message };
  if (report.hint) error.hint = report.hint;
  if (report.upstoxCode) error.upstox_code = report.upstoxCode;
  if (report.httpStatus !== undefined) error.http_status = report.httpStatus;
  if (report.field) error.field = report.field;
  if (report.sink) error.sink = report.sink;
  error.exit_code = report.exitCode;
  return { error };
}

/** The report with every text field passed through `scrub` (the config's secret redactor). */
export function scrubErrorReport(report: ErrorReport, scrub: (text: string) => string): ErrorReport {
  return {
    ...report,
    message: scrub(report.message),
    hint: report.hint === undefined ? undefined : scrub(report.hint),
    field: report.field === undefined ? undefined : scrub(report.field),
    sink: report.sink === undefined ? undefined : scrub(report.sink),
  };
}
