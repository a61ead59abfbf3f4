import { writeSync } from "node:fs";
import { isatty } from "node:tty";

/**
 * Where the CLI reads and writes. The real process by default; tests pass their own to run the CLI in-process.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  /** Terminal width for wrapping help, when stdout is a terminal. */
  columns?: number | undefined;
}

/**
 * Writes straight to the file descriptor. Touching process.stdout costs Bun ~15-20 ms on first use (it builds
 * the stream), a fifth of the start-up budget; synchronous writes also mean nothing is lost at process.exit.
 */
const closed = new Set<number>();

function writeAll(fd: number, text: string): void {
  if (closed.has(fd)) return;
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The reader went away (`upstox-token --help | head`): drop the rest quietly, as other tools do.
      if (code === "EPIPE") {
        closed.add(fd);
        return;
      }
      // A non-blocking pipe that is full: wait for the reader.
      if (code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

export function processIo(): CliIo {
  const stdoutIsTty = isatty(1);
  return {
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTty,
    stderrIsTty: isatty(2),
    // Read when help is formatted, not at start: on a terminal, process.stdout costs Bun 15-20 ms to create.
    get columns() {
      return stdoutIsTty ? process.stdout.columns : undefined;
    },
  };
}
