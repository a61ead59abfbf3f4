import { spawn } from "node:child_process";
import type { SecretRedactor } from "../secret-redactor.js";

/**
 * What a hook inherits from our environment: enough for a shell to find programs and format text, nothing
 * else. The process running us holds the PIN, the TOTP secret and the client secret in its environment
 * (EnvironmentFile, .env, ${ENV} interpolation); a hook that printed its environment would leak them.
 */
export const HOOK_INHERITED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "SystemRoot",
] as const;

const DEFAULT_OUTPUT_LIMIT = 2_048;
/** After the timeout's SIGKILL, how long to wait for the pipes to close before giving up on them. */
const CLOSE_GRACE_MS = 1_000;

export interface RunHookOptions {
  /** A string runs through the shell; an array runs the program directly. */
  command: string | readonly string[];
  /** The hook's own variables (UPSTOX_ACCOUNT, UPSTOX_EXPIRES_AT, ...), added to the allow-listed ones. */
  env?: Record<string, string>;
  /** Written to the hook's stdin, then closed. */
  stdin?: string;
  /** The hook's process group is killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Applied to the captured output (the hook may print a file that holds the token). */
  redactor?: SecretRedactor;
  /** Characters of output kept; default 2048. */
  outputLimit?: number;
  /** Where our environment comes from; default process.env. */
  parentEnv?: Record<string, string | undefined>;
}

export interface HookResult {
  /** The exit code; null when killed by a signal or when it could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** stdout and stderr interleaved, bounded and redacted. */
  output: string;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  startError?: Error;
}

/** The environment a hook gets: the allow-listed variables of ours, plus its own. */
export function hookProcessEnv(
  own: Record<string, string> = {},
  parentEnv: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOOK_INHERITED_ENV) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...own };
}

/**
 * The one hook runner (sink-env's onChange, the daemon's command hooks). The hook runs in its own process
 * group with an allow-listed environment; at the timeout the whole group is killed (a shell's `sleep` that
 * holds the pipe included), and the call returns even if something outside the group keeps the pipe open.
 * It never throws: the result says what happened.
 */
export function runHook(options: RunHookOptions): Promise<HookResult> {
  const limit = options.outputLimit ?? DEFAULT_OUTPUT_LIMIT;
  // A secret cut at the limit would escape redaction: keep a little more, redact, then cut.
  const captureLimit = limit + 512;
  return new Promise((resolve) => {
    const windows = process.platform === "win32";
    const shell = typeof options.command === "string";
    const [file, ...args] = shell ? [options.command as string] : [...options.command];
    let output = "";
    let timedOut = false;
    let done = false;
    let closeTimer: ReturnType<typeof setTimeout> | undefined;

    const finish = (result: Omit<HookResult, "output" | "timedOut">): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (closeTimer) clearTimeout(closeTimer);
      const redacted = options.redactor ? options.redactor.redact(output) : output;
      resolve({ ...result, timedOut, output: redacted.slice(0, limit).trim() });
    };

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file ?? "", args, {
        shell,
        env: hookProcessEnv(options.env, options.parentEnv),
        stdio: ["pipe", "pipe", "pipe"],
        detached: !windows,
        windowsHide: true,
      });
    } catch (error) {
      resolve({
        exitCode: null,
        signal: null,
        timedOut: false,
        output: "",
        startError: error instanceof Error ? error : new Error(String(error)),
      });
      return;
    }
    const collect = (chunk: Buffer): void => {
      if (output.length < captureLimit)
        output += chunk.toString("utf8").slice(0, captureLimit - output.length);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    // A command that never reads its stdin (EPIPE) is not a failure.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.stdin ?? "");

    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (!windows && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      // Something that left the group may still hold the pipes: do not wait on it.
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish({ exitCode: null, signal: "SIGKILL" });
      }, CLOSE_GRACE_MS);
    }, options.timeoutMs);

    child.once("error", (error) => finish({ exitCode: null, signal: null, startError: error }));
    child.once("close", (code, signal) => finish({ exitCode: code, signal }));
  });
}
