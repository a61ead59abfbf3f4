import { existsSync } from "node:fs";
import { lstat, readFile, realpath } from "node:fs/promises";
import { readEnvironment } from "@upstox-token/core";
import { setEnvValues, writeFileAtomic } from "@upstox-token/sink-env";

export const ENV_FILE_MODE = 0o600;

export interface EnvFileUpdate {
  path: string;
  created: boolean;
  added: string[];
  updated: string[];
  unchanged: string[];
  /** The mode the file had when it was readable by others, before it was set to 0600. */
  tightenedFrom?: string | undefined;
}

/**
 * Sets `values` in the .env file and leaves every other byte alone (comments, other apps' keys, quoting), with
 * sink-env's editor. The file is replaced atomically (temp file, fsync, rename) and always ends up mode 0600:
 * it holds the PIN and the secrets. A symlink is followed, so the file it points at is the one changed.
 */
export async function updateEnvFile(
  path: string,
  values: ReadonlyMap<string, string>,
): Promise<EnvFileUpdate> {
  const created = !existsSync(path);
  const target = created ? path : await realpath(path);
  const before = created ? "" : await readFile(target, "utf8");
  const previous = created ? {} : readEnvironment({}, target);
  const previousMode = created ? undefined : (await lstat(target)).mode & 0o777;

  const added: string[] = [];
  const updated: string[] = [];
  const unchanged: string[] = [];
  for (const [key, value] of values) {
    const old = previous[key];
    (old === undefined ? added : old === value ? unchanged : updated).push(key);
  }
  const text = setEnvValues(before, values);
  if (text !== before || previousMode !== ENV_FILE_MODE)
    await writeFileAtomic(target, text, { mode: ENV_FILE_MODE });
  return {
    path,
    created,
    added,
    updated,
    unchanged,
    tightenedFrom:
      previousMode !== undefined && (previousMode & 0o077) !== 0 ? `0${previousMode.toString(8)}` : undefined,
  };
}
