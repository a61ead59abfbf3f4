/**
 * An error the CLI itself detects: `USAGE` (a bad command line, exit 2) or `TOKEN_NOT_FOUND` (nothing stored
 * where the user pointed, exit 1). Shaped like core's errors so it prints the same way.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: "USAGE" | "TOKEN_NOT_FOUND";
  readonly retryable = false;
  readonly hint: string | undefined;
  constructor(code: "USAGE" | "TOKEN_NOT_FOUND", message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}
