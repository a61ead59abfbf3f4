import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { type Logger, silentLogger } from "../logger.js";

/**
 * One small JSON file in the state folder: `{ "version": 1, ... }`, written 0600 into folders made 0700, by a
 * temp file renamed over the old one (a reader sees the old file or the new, never half of one).
 */
export function writeStateFile(file: string, data: { version: number } & Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Reads a state file. Missing: undefined. Unreadable, not JSON, another version or not the expected shape:
 * undefined too, logged once per read (a corrupt file must never stop a login or a daemon; it is rewritten by
 * the next write).
 */
export function readStateFile<T>(
  file: string,
  schema: z.ZodType<T>,
  logger: Logger = silentLogger,
): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      logger.warn({ file, err: (error as Error).message }, "state file unreadable; treated as absent");
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    logger.warn({ file }, "state file has an unexpected shape or version; treated as absent");
  } catch {
    logger.warn({ file }, "state file is not JSON; treated as absent");
  }
  return undefined;
}

/** Removes a state file; a missing one is fine. */
export function removeStateFile(file: string): void {
  rmSync(file, { force: true });
}
