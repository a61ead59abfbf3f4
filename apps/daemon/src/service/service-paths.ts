import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { ConfigProblem } from "@upstox-token/core";
import { interpolateEnv } from "../config/interpolate.js";

/**
 * The folders a service's daemon writes, for systemd's `ReadWritePaths=` under `ProtectSystem=strict`: the
 * config's folder, every sink's folder and a configured file lock's folder. A sink's file is any string option
 * named `path`/`file` or ending in `Path`/`File` (its folder is writable); a folder is one named
 * `dir`/`directory`/`folder` or ending so (`outDir`): the built-in sinks, the custom-sink example and custom
 * sinks that follow either naming. The default lock lives in the state folder, which the unit lists itself.
 * Read from the raw config: installing a service must not need the secrets its `${VAR}`s name (a path that
 * uses an unset one is left out).
 */
export function serviceWritablePaths(
  raw: unknown,
  configPath: string,
  env: Record<string, string | undefined> = process.env,
): string[] {
  const baseDir = dirname(configPath);
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  /** A `${VAR}` in a path is filled from env; a path naming an unset one is left out. */
  const interpolated = (value: unknown): string | undefined => {
    if (typeof value !== "string" || value === "") return undefined;
    const problems: ConfigProblem[] = [];
    const text = interpolateEnv(value, env, problems) as string;
    return problems.length === 0 && text !== "" ? absolute(text) : undefined;
  };
  const config = asRecord(raw);
  const sinkSpecs = [
    ...asArray(config.sinks),
    ...asArray(config.accounts).flatMap((account) => asArray(asRecord(account).sinks)),
  ];
  const folders = [baseDir];
  for (const spec of sinkSpecs) {
    for (const [key, value] of Object.entries(asRecord(asRecord(spec).options))) {
      const path = FILE_OPTION.test(key) || FOLDER_OPTION.test(key) ? interpolated(value) : undefined;
      if (path) folders.push(FOLDER_OPTION.test(key) ? path : dirname(path));
    }
  }
  const lock = asRecord(config.lock);
  const lockPath = lock.use === undefined || lock.use === "file" ? interpolated(lock.path) : undefined;
  if (lockPath) folders.push(lockPath);
  // systemd refuses to start a unit whose ReadWritePaths= is missing, unless it is marked "-" (skip if missing):
  // a sink creates its folder on first write, the lock its own.
  return [...new Set(folders)].map((folder) => (existsSync(folder) ? folder : `-${folder}`));
}

const FILE_OPTION = /^(path|file)$|(Path|File)$/;
const FOLDER_OPTION = /^(dir|directory|folder)$|(Dir|Directory|Folder)$/;

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
