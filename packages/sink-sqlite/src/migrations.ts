import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/**
 * The schema, as ordered steps. Never edit a released step: append a new one. Each runs in the same
 * BEGIN IMMEDIATE transaction as the version bump, so a crash leaves the database at the old version.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "tokens table",
    up(db) {
      db.exec(`
        CREATE TABLE tokens (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL,
          generation INTEGER NOT NULL,
          access_token TEXT NOT NULL,
          extended_token TEXT,
          user_id TEXT NOT NULL,
          payload TEXT NOT NULL,
          issued_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          written_at INTEGER NOT NULL
        );
        CREATE INDEX tokens_account_generation ON tokens (account, generation DESC);
      `);
    },
  },
  {
    version: 2,
    description: "encryption at rest: per-row cipher name, per-database salt and key check",
    up(db) {
      db.exec(`
        ALTER TABLE tokens ADD COLUMN encryption TEXT;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    },
  },
  {
    version: 3,
    description: "index for retention by age",
    up(db) {
      db.exec("CREATE INDEX tokens_account_written_at ON tokens (account, written_at);");
    },
  },
  {
    version: 4,
    description: "newest-first index (account, generation, id): a read takes the first row, no sort",
    up(db) {
      db.exec(`
        CREATE INDEX tokens_account_newest ON tokens (account, generation DESC, id DESC);
        DROP INDEX tokens_account_generation;
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

export function currentSchemaVersion(db: Database): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_version").get() as
    | { version: number | null }
    | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the database up to `target` (default: the latest). Idempotent, and safe when several processes open
 * the same file at once: the version is re-read inside the write transaction. Returns the versions applied.
 */
export function migrate(db: Database, target = LATEST_SCHEMA_VERSION, now = Date.now): number[] {
  const run = db.transaction((): number[] => {
    const current = currentSchemaVersion(db);
    if (current > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${current} is newer than this package knows (${LATEST_SCHEMA_VERSION}); upgrade @upstox-token/sink-sqlite`,
      );
    }
    const applied: number[] = [];
    const record = db.prepare(
      "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
    );
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > target) continue;
      migration.up(db);
      record.run(migration.version, migration.description, now());
      applied.push(migration.version);
    }
    return applied;
  });
  return run.immediate();
}
