export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Says what the command was for in the error message. */
  what?: string;
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when it is not 0. */
  allowFailure?: boolean;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; throws with its output when it fails (unless allowFailure). */
export async function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const child = Bun.spawn([command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs ?? 120_000,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (exitCode !== 0 && !options.allowFailure) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    throw new Error(
      `${options.what ?? [command, ...args].join(" ")} failed (exit ${exitCode}${child.signalCode ? `, ${child.signalCode}` : ""}, ${seconds}s) in ${options.cwd}\n` +
        `--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`,
    );
  }
  return { exitCode, stdout, stderr };
}

/**
 * The environment for a child that must not see the developer's own Upstox or Redis settings (turbo passes
 * UPSTOX_* and REDIS_URL through), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("UPSTOX_") || key === "REDIS_URL") continue;
    // Set by `bun run`/`npm run` for the outer script; a child npm or bun would take them as its own.
    if (key.startsWith("npm_") || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  env.NO_COLOR = "1";
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
