import { existsSync } from "node:fs";
import { join } from "node:path";

type Env = Record<string, string | undefined>;

/** The files Bun loads into process.env by itself at start-up (depending on NODE_ENV). */
const BUN_DOTENV_FILES = [".env", ".env.local", ".env.development", ".env.production", ".env.test"];

/**
 * Bun copies ./.env (and friends) into process.env before any of our code runs. Left alone, that breaks
 * `--env-file other.env`: the values of ./.env would look like real environment variables and win over the
 * chosen file, logging in to the wrong account. So under Bun, variables whose value equals the one in such a
 * file are taken out; our own env-file logic then reads ./.env again when it should. (A variable exported in
 * the shell with exactly the file's value is also taken out; it comes back whenever ./.env is read.)
 */
export function withoutBunDotenv(env: Env, cwd: string, readFile: (path: string) => Env): Env {
  const result: Env = { ...env };
  for (const name of BUN_DOTENV_FILES) {
    const path = join(cwd, name);
    if (!existsSync(path)) continue;
    for (const [key, value] of Object.entries(readFile(path))) {
      if (value !== undefined && result[key] === value) delete result[key];
    }
  }
  return result;
}
