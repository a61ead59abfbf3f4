/** The process exit codes, documented in the README. */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** Authentication, Upstox API, network or sink failure. */
  Failure: 1,
  /** Bad usage or configuration: fix the command line or the environment, retrying will not help. */
  Usage: 2,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Error codes that mean "the input is wrong" rather than "the attempt failed". */
const USAGE_ERROR_CODES = new Set(["CONFIG_INVALID", "SINK_NOT_FOUND", "USAGE"]);

export function exitCodeForErrorCode(code: string): ExitCodeValue {
  return USAGE_ERROR_CODES.has(code) ? ExitCode.Usage : ExitCode.Failure;
}
