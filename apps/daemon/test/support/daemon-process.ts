import { DAEMON_BIN } from "./helpers.js";

/** What a daemon process that ran to completion said, and how long it took. */
export interface DaemonRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The daemon (`bun src/bin.ts`) as a child process with `args`. It gets this process's environment as it is at
 * the call (so the per-test UPSTOX_STATE_DIR of test/support/isolated-state.ts), info logs, then `env` on top.
 */
export function spawnDaemon(args: string[], env: Record<string, string> = {}) {
  return Bun.spawn(["bun", DAEMON_BIN, ...args], {
    env: { ...process.env, UPSTOX_TOKEN_LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Runs the daemon with `args` to its exit (see spawnDaemon for the environment). */
export async function runDaemon(args: string[], env: Record<string, string> = {}): Promise<DaemonRun> {
  const started = Date.now();
  const child = spawnDaemon(args, env);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr, ms: Date.now() - started };
}

/**
 * Reads a daemon's JSON log lines from `stream` into `lines` until it ends. A line that is not JSON throws,
 * unless `unparsable` says what to keep for it; blank lines are skipped.
 */
export async function collectJsonLines(
  stream: ReadableStream<Uint8Array>,
  lines: Record<string, unknown>[],
  unparsable?: (line: string) => Record<string, unknown>,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk);
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) {
      if (!part.trim()) continue;
      if (!unparsable) {
        lines.push(JSON.parse(part) as Record<string, unknown>);
        continue;
      }
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push(unparsable(part));
      }
    }
  }
}
