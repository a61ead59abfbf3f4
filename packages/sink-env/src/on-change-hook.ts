import { spawn } from "node:child_process";
import type { Logger } from "@upstox-token/core";

export interface OnChangeHookInput {
  command: string;
  timeoutMs: number;
  env: Record<string, string>;
  /** Removed from the hook's output before it is logged, in case the command prints the file. */
  secrets: string[];
  logger: Logger;
}

const OUTPUT_LIMIT = 2_000;

/**
 * Runs the user's command through the shell after the token changed. The token is never on the command line
 * (where `ps` would show it); the command reads the file. A failure is logged and never fails the write: the
 * token is already stored.
 */
export function runOnChangeHook(input: OnChangeHookInput): Promise<void> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(input.command, {
      shell: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...input.env },
    });
    const collect = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGTERM"), input.timeoutMs);
    const redacted = () => {
      let text = output.slice(0, OUTPUT_LIMIT);
      for (const secret of input.secrets) if (secret) text = text.split(secret).join("***");
      return text.trim();
    };
    child.on("error", (error) => {
      clearTimeout(timer);
      input.logger.warn({ command: input.command, error: error.message }, "onChange command could not start");
      resolve();
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        input.logger.info({ command: input.command }, "onChange command ran");
      } else {
        input.logger.warn(
          { command: input.command, exitCode: code, signal, output: redacted() },
          signal
            ? `onChange command was stopped by ${signal}`
            : `onChange command failed with exit code ${code}`,
        );
      }
      resolve();
    });
  });
}
