import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  deserializeRecord,
  type Logger,
  SinkError,
  type SinkWriteResult,
  serializeRecord,
  silentLogger,
  type TokenRecord,
  type TokenSink,
} from "@upstox-token/core";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import type { ResolvedSqliteSinkOptions } from "./options.js";
import { CIPHER_NAME, TokenCipher } from "./token-cipher.js";

export interface SqliteTokenSinkDependencies {
  logger?: Logger;
  /** Where `encryptionKeyEnv` is looked up. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** The clock for `written_at` and retention by age. */
  now?: () => number;
}

/** One row of `history()`: a stored record and when it was written (epoch ms). */
export interface TokenHistoryEntry {
  record: TokenRecord;
  writtenAt: number;
}

interface TokenRow {
  account: string;
  generation: number;
  access_token: string;
  extended_token: string | null;
  payload: string;
  encryption: string | null;
  written_at: number;
}

interface Opened {
  db: Database.Database;
  cipher: TokenCipher | undefined;
  maxGeneration: Database.Statement<[string], { generation: number | null }>;
  insert: Database.Statement<unknown[]>;
  replace: Database.Statement<unknown[]>;
  pruneByCount: Database.Statement<[string, string, number]>;
  pruneByAge: Database.Statement<[string, number, string]>;
  newest: Database.Statement<[string], TokenRow>;
  history: Database.Statement<[string, number], TokenRow>;
}

/** How many accounts' parsed rows `read()` keeps (the hot path serves one account again and again). */
const PARSED_CACHE_ACCOUNTS = 16;

const ROW_COLUMNS = "account, generation, access_token, extended_token, payload, encryption, written_at";
const KEY_CHECK_PLAINTEXT = "upstox-token key check";

/**
 * Stores every token as a row in a SQLite file (WAL mode), keeps a bounded history per account, and optionally
 * encrypts tokens at rest. `read()` returns the newest record by generation even when it has expired: deciding
 * whether a token is still usable is the token manager's job (`isTokenValid`), not the store's.
 */
export class SqliteTokenSink implements TokenSink {
  readonly name: string;
  readonly path: string;
  readonly #options: ResolvedSqliteSinkOptions;
  readonly #logger: Logger;
  readonly #env: Record<string, string | undefined>;
  readonly #now: () => number;
  #opening: Promise<Opened> | undefined;
  /** The open database once `#opening` resolved: the read path skips awaiting it. */
  #opened: Opened | undefined;
  #closed = false;
  /** The last row read per account and the record made from it. */
  readonly #parsed = new Map<string, TokenRow & { record: TokenRecord }>();

  /** A relative `options.path` resolves against the cwd here; the factory resolves it against the config folder. */
  constructor(options: ResolvedSqliteSinkOptions, dependencies: SqliteTokenSinkDependencies = {}) {
    this.path = resolve(options.path);
    this.#options = { ...options, path: this.path };
    this.name = `sqlite:${this.path}`;
    this.#logger = dependencies.logger ?? silentLogger;
    this.#env = dependencies.env ?? process.env;
    this.#now = dependencies.now ?? Date.now;
  }

  async check(): Promise<void> {
    const { db } = await this.#open("SINK_CHECK_FAILED");
    try {
      // A write that is rolled back: takes the write lock and touches the file, stores nothing.
      db.exec("BEGIN IMMEDIATE");
      try {
        db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('write_check', ?)").run(
          String(this.#now()),
        );
      } finally {
        db.exec("ROLLBACK");
      }
    } catch (error) {
      throw this.#error("SINK_CHECK_FAILED", "cannot write", error);
    }
  }

  async write(record: TokenRecord): Promise<SinkWriteResult> {
    const opened = await this.#open("SINK_FAILED");
    const { access_token, extended_token, ...payload } = serializeRecord(record);
    const { account, generation } = record;
    const seal = (value: string, column: string): Promise<string> | string =>
      opened.cipher ? opened.cipher.encrypt(value, cipherContext(account, generation, column)) : value;
    const accessToken = await seal(access_token, "access_token");
    const extendedToken = extended_token ? await seal(extended_token, "extended_token") : null;
    const now = this.#now();
    const { keep, days } = this.#options.retention;

    const store = opened.db.transaction((): SinkWriteResult => {
      const stored = opened.maxGeneration.get(account)?.generation ?? null;
      if (stored !== null && stored > generation) return { status: "stale", storedGeneration: stored };
      const values = [
        accessToken,
        extendedToken,
        record.profile.userId,
        JSON.stringify(payload),
        record.issuedAt,
        record.expiresAt,
        now,
        opened.cipher ? CIPHER_NAME : null,
        account,
        generation,
      ];
      // The same generation again is the same token: replace it in place rather than add a history row.
      if (stored === generation) opened.replace.run(...values);
      else opened.insert.run(...values);
      opened.pruneByCount.run(account, account, keep);
      if (days !== undefined) opened.pruneByAge.run(account, now - days * 86_400_000, account);
      return { status: "written" };
    });
    try {
      return store.immediate();
    } catch (error) {
      throw this.#error("SINK_FAILED", `cannot store the token for "${account}"`, error);
    }
  }

  async read(account: string): Promise<TokenRecord | null> {
    const opened = this.#opened ?? (await this.#open("SINK_FAILED"));
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, `${this.name}: the sink is closed`);
    const row = this.#query(() => opened.newest.get(account), `cannot read the token for "${account}"`);
    if (!row) return null;
    // The row is parsed and validated once per generation: readers ask for the same token thousands of times.
    const cached = this.#parsed.get(account);
    if (
      cached &&
      cached.generation === row.generation &&
      cached.written_at === row.written_at &&
      cached.access_token === row.access_token &&
      cached.payload === row.payload &&
      cached.extended_token === row.extended_token
    ) {
      return cached.record;
    }
    const record = await this.#toRecord(row, opened.cipher);
    // A few accounts' rows at most: a reader asks for its own token; a daemon with hundreds of accounts reads
    // each once a day and should not carry them all.
    this.#parsed.delete(account);
    if (this.#parsed.size >= PARSED_CACHE_ACCOUNTS) this.#parsed.delete(this.#parsed.keys().next().value!);
    this.#parsed.set(account, { ...row, record });
    return record;
  }

  /** The accounts with a token stored, sorted (so `status` can say whose token a file holds). */
  async accounts(): Promise<string[]> {
    const opened = await this.#open("SINK_FAILED");
    const rows = this.#query(
      () =>
        opened.db
          .prepare<[], { account: string }>("SELECT DISTINCT account FROM tokens ORDER BY account")
          .all(),
      "cannot list the accounts",
    );
    return rows.map((row) => row.account);
  }

  /** The stored records of an account, newest generation first (an audit trail; bounded by retention). */
  async history(account: string, limit = 30): Promise<TokenHistoryEntry[]> {
    const opened = await this.#open("SINK_FAILED");
    const rows = this.#query(
      () => opened.history.all(account, limit),
      `cannot read the history of "${account}"`,
    );
    const entries: TokenHistoryEntry[] = [];
    for (const row of rows) {
      entries.push({ record: await this.#toRecord(row, opened.cipher), writtenAt: row.written_at });
    }
    return entries;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#opened = undefined;
    const opening = this.#opening;
    this.#opening = undefined;
    if (!opening) return;
    const opened = await opening.catch(() => undefined);
    opened?.db.close();
  }

  #open(code: "SINK_FAILED" | "SINK_CHECK_FAILED"): Promise<Opened> {
    if (this.#closed)
      return Promise.reject(new SinkError(code, this.name, `${this.name}: the sink is closed`));
    if (!this.#opening) {
      const opening = this.#connect(code);
      this.#opening = opening;
      opening.then(
        (opened) => {
          if (this.#opening === opening && !this.#closed) this.#opened = opened;
        },
        () => {},
      );
      // A failed open is retried on the next call rather than cached.
      opening.catch(() => {
        if (this.#opening === opening) this.#opening = undefined;
      });
    }
    return this.#opening;
  }

  async #connect(code: "SINK_FAILED" | "SINK_CHECK_FAILED"): Promise<Opened> {
    const { path, busyTimeoutMs, mode } = this.#options;
    let db: Database.Database;
    try {
      // A missing folder is made (owner only, like the file), as the env sink does for its file.
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Create the file ourselves so that it never exists, even briefly, with the umask's mode.
      try {
        closeSync(openSync(path, "wx", mode));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      db = new Database(path, { timeout: busyTimeoutMs });
    } catch (error) {
      throw this.#error(
        code,
        "cannot open the database",
        error,
        "check that the folder is writable (a missing one is created)",
      );
    }
    try {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      const journal = db.pragma("journal_mode = WAL", { simple: true });
      if (journal !== "wal")
        throw new Error(`could not switch to WAL mode (journal_mode is ${String(journal)})`);
      db.pragma("synchronous = FULL");
      migrate(db, undefined, this.#now);
      this.#restrictModes();
      const cipher = await this.#loadCipher(db, code);
      return prepare(db, cipher);
    } catch (error) {
      db.close();
      if (error instanceof SinkError) throw error;
      throw this.#error(code, "cannot prepare the database", error);
    }
  }

  #restrictModes(): void {
    // SQLite gives -wal and -shm the main file's mode when it creates them; an existing set may differ.
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      try {
        chmodSync(file, this.#options.mode);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code;
        if (reason !== "ENOENT")
          this.#logger.warn({ sink: this.name, file, reason }, "could not set file mode");
      }
    }
  }

  async #loadCipher(db: Database.Database, code: "SINK_FAILED" | "SINK_CHECK_FAILED") {
    const variable = this.#options.encryptionKeyEnv;
    if (variable === undefined) return undefined;
    const material = this.#env[variable];
    if (!material) {
      throw new SinkError(code, this.name, `${this.name}: environment variable ${variable} is not set`, {
        hint: `set ${variable} to the encryption key (e.g. the output of \`openssl rand -base64 32\`)`,
      });
    }
    const getMeta = db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?");
    const putMeta = db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)");
    // Two processes may open a fresh file at once: INSERT OR IGNORE, then read back whichever won.
    putMeta.run(
      "kdf_salt",
      Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
    );
    const salt = new Uint8Array(Buffer.from(getMeta.get("kdf_salt")!.value, "base64"));
    const cipher = await TokenCipher.fromKeyMaterial(material, salt);
    putMeta.run("key_check", await cipher.encrypt(KEY_CHECK_PLAINTEXT, "key_check"));
    const check = getMeta.get("key_check")!.value;
    const matches = await cipher.decrypt(check, "key_check").then(
      (plain) => plain === KEY_CHECK_PLAINTEXT,
      () => false,
    );
    if (!matches) {
      throw new SinkError(
        code,
        this.name,
        `${this.name}: the key in ${variable} is not the key this database was encrypted with`,
        { hint: `restore the original value of ${variable}, or move the database aside to start afresh` },
      );
    }
    return cipher;
  }

  async #toRecord(row: TokenRow, cipher: TokenCipher | undefined): Promise<TokenRecord> {
    const { account, generation } = row;
    const open = async (value: string, column: string): Promise<string> => {
      if (row.encryption === null) return value;
      if (row.encryption !== CIPHER_NAME) {
        throw new SinkError("SINK_FAILED", this.name, `${this.name}: unknown cipher "${row.encryption}"`);
      }
      if (!cipher) {
        throw new SinkError(
          "SINK_FAILED",
          this.name,
          `${this.name}: the token for "${account}" is encrypted`,
          {
            hint: "set encryptionKeyEnv to the variable holding the key it was written with",
          },
        );
      }
      try {
        return await cipher.decrypt(value, cipherContext(account, generation, column));
      } catch (error) {
        throw new SinkError(
          "SINK_FAILED",
          this.name,
          `${this.name}: cannot decrypt the token for "${account}"`,
          {
            cause: error,
            hint: "the row was written with another key, or the file was tampered with",
          },
        );
      }
    };
    try {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      return deserializeRecord({
        ...payload,
        account,
        generation,
        access_token: await open(row.access_token, "access_token"),
        extended_token: row.extended_token === null ? null : await open(row.extended_token, "extended_token"),
      });
    } catch (error) {
      if (error instanceof SinkError) throw error;
      // No cause: a parse error could quote the row, and the row holds the token.
      throw new SinkError(
        "SINK_FAILED",
        this.name,
        `${this.name}: the stored row for "${account}" is not valid`,
      );
    }
  }

  #query<T>(run: () => T, what: string): T {
    try {
      return run();
    } catch (error) {
      throw this.#error("SINK_FAILED", what, error);
    }
  }

  #error(code: "SINK_FAILED" | "SINK_CHECK_FAILED", what: string, error: unknown, hint?: string): SinkError {
    const reason = error instanceof Error ? error.message : String(error);
    const sqliteCode = (error as { code?: unknown } | null)?.code;
    return new SinkError(code, this.name, `${this.name}: ${what}: ${reason}`, {
      cause: error,
      hint:
        hint ??
        (sqliteCode === "SQLITE_BUSY"
          ? "another process held the database lock longer than busyTimeoutMs"
          : "check the file's permissions and the free disk space"),
      retryable: sqliteCode === "SQLITE_BUSY",
    });
  }
}

function cipherContext(account: string, generation: number, column: string): string {
  return `${account}\u0000${generation}\u0000${column}`;
}

function prepare(db: Database.Database, cipher: TokenCipher | undefined): Opened {
  return {
    db,
    cipher,
    maxGeneration: db.prepare("SELECT MAX(generation) AS generation FROM tokens WHERE account = ?"),
    insert: db.prepare(
      `INSERT INTO tokens (access_token, extended_token, user_id, payload, issued_at, expires_at, written_at,
         encryption, account, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    replace: db.prepare(
      `UPDATE tokens SET access_token = ?, extended_token = ?, user_id = ?, payload = ?, issued_at = ?,
         expires_at = ?, written_at = ?, encryption = ? WHERE account = ? AND generation = ?`,
    ),
    pruneByCount: db.prepare(
      `DELETE FROM tokens WHERE account = ? AND id NOT IN
         (SELECT id FROM tokens WHERE account = ? ORDER BY generation DESC, id DESC LIMIT ?)`,
    ),
    pruneByAge: db.prepare(
      `DELETE FROM tokens WHERE account = ? AND written_at < ? AND id <>
         (SELECT id FROM tokens WHERE account = ? ORDER BY generation DESC, id DESC LIMIT 1)`,
    ),
    newest: db.prepare(
      `SELECT ${ROW_COLUMNS} FROM tokens WHERE account = ? ORDER BY generation DESC, id DESC LIMIT 1`,
    ),
    history: db.prepare(
      `SELECT ${ROW_COLUMNS} FROM tokens WHERE account = ? ORDER BY generation DESC, id DESC LIMIT ?`,
    ),
  };
}
