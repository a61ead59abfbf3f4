import { existsSync } from "node:fs";
import { join } from "node:path";
import { type EnvSource, readEnvironment } from "./config-env.js";

/** The files Bun loads into process.env by itself at start-up (depending on NODE_ENV). */
const BUN_DOTENV_FILES = [".env", ".env.local", ".env.development", ".env.production", ".env.test"];

/**
 * Bun copies ./.env (and friends) into process.env before any of our code runs. Left alone, that breaks
 * `--env-file other.env`: the values of ./.env would look like real environment variables and win over the
 * chosen file, logging in to the wrong account (or sending a stale PIN). So under Bun, variables whose value
 * equals the one in such a file are taken out; our own env-file logic then reads ./.env again when it should.
 * (A variable exported in the shell with exactly the file's value is also taken out; the CLI reads it back
 * whenever it reads ./.env.)
 */
export function withoutBunDotenv(
  env: EnvSource,
  cwd: string,
  readFile: (path: string) => EnvSource = (path) => readEnvironment({}, path),
): EnvSource {
  const result: EnvSource = { ...env };
  for (const name of BUN_DOTENV_FILES) {
    const path = join(cwd, name);
    if (!existsSync(path)) continue;
    for (const [key, value] of Object.entries(readFile(path))) {
      if (value !== undefined && result[key] === value) delete result[key];
    }
  }
  return result;
}

/**
 * Whether this process is Bun and Bun loaded the ./.env files by itself: not under Node, and not when Bun was
 * started with `--no-env-file` or its own `--env-file` (the launchers start it with `--no-env-file`).
 */
export function bunLoadedDotenv(
  versions: NodeJS.ProcessVersions = process.versions,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  if (!versions.bun) return false;
  return !execArgv.some(
    (arg) => arg === "--no-env-file" || arg === "--env-file" || arg.startsWith("--env-file="),
  );
}

/**
 * The real environment of a shell that reads its own env file (the CLI, the daemon's --env-file): process.env
 * without what Bun loaded from ./.env at start-up. Computed once at start: a reload re-reads the named file on
 * top of it, never Bun's stale copy.
 */
export function environmentWithoutBunDotenv(
  env: EnvSource = process.env,
  cwd: string = process.cwd(),
): EnvSource {
  return bunLoadedDotenv() ? withoutBunDotenv(env, cwd) : { ...env };
}
