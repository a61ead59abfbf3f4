import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BIN = join(import.meta.dir, "..", "..", "src", "bin.ts");

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = "upstox-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs the real executable under Bun in a clean environment: only PATH and HOME are inherited, so a
 * developer's own UPSTOX_* variables or .env never leak into a test. `cwd` defaults to a fresh temp folder.
 */
export async function runBin(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<BinResult> {
  const child = Bun.spawn(["bun", BIN, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      // The test's own state folder (test/support/isolated-state.ts), never the developer's.
      ...(process.env.UPSTOX_STATE_DIR ? { UPSTOX_STATE_DIR: process.env.UPSTOX_STATE_DIR } : {}),
      ...options.env,
    },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 20_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts the executable without waiting, for commands that wait for something (login, request-token). */
export function spawnBin(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const child = Bun.spawn(["bun", BIN, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      // The test's own state folder (test/support/isolated-state.ts), never the developer's.
      ...(process.env.UPSTOX_STATE_DIR ? { UPSTOX_STATE_DIR: process.env.UPSTOX_STATE_DIR } : {}),
      ...options.env,
    },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const stdout = new Response(child.stdout).text();
  let stderrText = "";
  const decoder = new TextDecoder();
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) stderrText += decoder.decode(chunk, { stream: true });
  })();
  return {
    child,
    /** Resolves once stderr contains a match for `pattern`. */
    async waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stderrText);
        if (match) return match;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern} on stderr:\n${stderrText}`);
        await Bun.sleep(20);
      }
    },
    async result(): Promise<BinResult> {
      const [out, code] = await Promise.all([stdout, child.exited]);
      await stderrDone;
      return { code, stdout: out, stderr: stderrText };
    },
  };
}
