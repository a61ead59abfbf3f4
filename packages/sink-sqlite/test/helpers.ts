import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@upstox-token/core";
import { type SqliteSinkOptions, SqliteTokenSink, sqliteSink, sqliteSinkOptions } from "../src/index.js";

/** A temp folder for one test, removed by `cleanup()`. */
export async function tempFolder(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "sink-sqlite-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A sink made the way the daemon makes it: options parsed by the schema, path resolved against `dir`. */
export async function openSink(
  dir: string,
  options: Partial<SqliteSinkOptions> = {},
  dependencies: { env?: Record<string, string | undefined>; now?: () => number } = {},
): Promise<SqliteTokenSink> {
  const parsed = sqliteSinkOptions.parse({ path: "tokens.db", ...options });
  if (dependencies.env || dependencies.now) {
    return new SqliteTokenSink({ ...parsed, path: join(dir, parsed.path) }, dependencies);
  }
  const sink = await sqliteSink.create(parsed, { baseDir: dir, logger: silentLogger });
  return sink as SqliteTokenSink;
}
