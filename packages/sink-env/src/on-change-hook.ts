import { type Logger, runHook, SecretRedactor } from "@upstox-token/core";

export interface OnChangeHookInput {
  command: string;
  timeoutMs: number;
  /** The documented variables: UPSTOX_ACCOUNT, UPSTOX_EXPIRES_AT, UPSTOX_GENERATION, UPSTOX_ENV_FILE. */
  env: Record<string, string>;
  /** Removed from the hook's output before it is logged, in case the command prints the file. */
  secrets: string[];
  logger: Logger;
}

/**
 * Runs the user's command through the shell after the token changed, with core's hook runner: an
 * allow-listed environment (never our PIN, TOTP secret or client secret), its process group killed at the
 * timeout (so a hung child cannot block the write), output bounded and redacted. The token is never on the
 * command line (where `ps` would show it); the command reads the file. A failure is logged and never fails
 * the write: the token is already stored.
 */
export async function runOnChangeHook(input: OnChangeHookInput): Promise<void> {
  const result = await runHook({
    command: input.command,
    env: input.env,
    timeoutMs: input.timeoutMs,
    redactor: new SecretRedactor(input.secrets),
  });
  if (result.startError) {
    input.logger.warn(
      { command: input.command, error: result.startError.message },
      "onChange command could not start",
    );
  } else if (result.timedOut) {
    input.logger.warn(
      { command: input.command, timeoutMs: input.timeoutMs, output: result.output },
      `onChange command did not finish within ${input.timeoutMs} ms; it and its children were killed`,
    );
  } else if (result.exitCode === 0) {
    input.logger.info({ command: input.command }, "onChange command ran");
  } else {
    input.logger.warn(
      { command: input.command, exitCode: result.exitCode, signal: result.signal, output: result.output },
      result.signal
        ? `onChange command was stopped by ${result.signal}`
        : `onChange command failed with exit code ${result.exitCode}`,
    );
  }
}
