import type { CliIo } from "../../src/io.js";

/** An in-memory CliIo for running the CLI in-process. */
export function memoryIo(options: { env?: Record<string, string>; cwd?: string; tty?: boolean } = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    stdoutIsTty: options.tty ?? false,
    stderrIsTty: options.tty ?? false,
  };
  return {
    io,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
