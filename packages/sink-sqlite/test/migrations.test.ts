import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { SinkError } from "@upstox-token/core";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import Database from "better-sqlite3";
import { LATEST_SCHEMA_VERSION, migrate, migrations } from "../src/index.js";
import { openSink, tempFolder } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dbPath(): Promise<string> {
  const { dir, cleanup } = await tempFolder();
  cleanups.push(cleanup);
  return join(dir, "tokens.db");
}

function versions(path: string): number[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT version FROM schema_version ORDER BY version").all() as {
    version: number;
  }[];
  db.close();
  return rows.map((row) => row.version);
}

test("migrations are numbered 1..n in order", () => {
  expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
});

test("a fresh database gets every migration once; migrating again applies nothing", async () => {
  const path = await dbPath();
  const db = new Database(path);
  expect(migrate(db)).toEqual(migrations.map((m) => m.version));
  expect(migrate(db)).toEqual([]);
  db.close();
  expect(versions(path)).toEqual(migrations.map((m) => m.version));
});

test("a version-1 database with a row is upgraded on open and its row still reads", async () => {
  const path = await dbPath();
  const record = makeTestRecord({ generation: 4 });
  const v1 = new Database(path);
  expect(migrate(v1, 1)).toEqual([1]);
  // A row as version 1 stored it: plaintext tokens, no encryption column.
  const { access_token, extended_token, ...payload } = {
    access_token: record.accessToken.reveal(),
    extended_token: record.extendedToken?.reveal() ?? null,
    user_id: record.profile.userId,
    issued_at: new Date(record.issuedAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    source: record.source,
  };
  v1.prepare(
    `INSERT INTO tokens (account, generation, access_token, extended_token, user_id, payload, issued_at, expires_at,
       written_at) VALUES ('main', 4, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    access_token,
    extended_token,
    record.profile.userId,
    JSON.stringify(payload),
    record.issuedAt,
    record.expiresAt,
    0,
  );
  v1.close();

  const sink = await openSink(path.replace(/\/tokens\.db$/, ""));
  cleanups.push(() => sink.close());
  const read = await sink.read("main");
  expect(read?.generation).toBe(4);
  expect(read?.accessToken.reveal()).toBe(record.accessToken.reveal());
  expect(read?.expiresAt).toBe(record.expiresAt);
  expect(versions(path)).toEqual(migrations.map((m) => m.version));
  expect(await sink.write(makeTestRecord({ generation: 3 }))).toEqual({
    status: "stale",
    storedGeneration: 4,
  });
});

test("a failing migration is rolled back whole: the version and the schema stay as they were", async () => {
  const path = await dbPath();
  const db = new Database(path);
  migrate(db, 1);
  // Make migration 2 fail halfway: its ALTER TABLE succeeds, then CREATE TABLE meta collides.
  db.exec("CREATE TABLE meta (key TEXT)");
  expect(() => migrate(db)).toThrow(/meta already exists/);
  const columns = (db.prepare("PRAGMA table_info(tokens)").all() as { name: string }[]).map((c) => c.name);
  expect(columns).not.toContain("encryption");
  db.close();
  expect(versions(path)).toEqual([1]);
});

test("a database from a newer release is refused with a clear SinkError", async () => {
  const path = await dbPath();
  const db = new Database(path);
  migrate(db);
  db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'future', 0)").run(
    LATEST_SCHEMA_VERSION + 1,
  );
  db.close();
  const sink = await openSink(path.replace(/\/tokens\.db$/, ""));
  cleanups.push(() => sink.close());
  const error = (await sink.check().catch((e: unknown) => e)) as SinkError;
  expect(error).toBeInstanceOf(SinkError);
  expect(error.message).toMatch(/newer than this package knows/);
});
