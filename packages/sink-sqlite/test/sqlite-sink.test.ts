import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { SinkError, silentLogger } from "@upstox-token/core";
import { makeMarkerToken, makeTestRecord } from "@upstox-token/sink-test-suite";
import Database from "better-sqlite3";
import { type SqliteTokenSink, sqliteSink, sqliteSinkOptions } from "../src/index.js";
import { openSink, tempFolder } from "./helpers.js";

const DAY = 86_400_000;
const KEY = Buffer.alloc(32, 7).toString("base64");
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function folder(): Promise<string> {
  const { dir, cleanup } = await tempFolder();
  cleanups.push(cleanup);
  return dir;
}

async function sinkIn(
  dir: string,
  ...rest: Parameters<typeof openSink> extends [string, ...infer R] ? R : never
) {
  const sink = await openSink(dir, ...rest);
  cleanups.push(() => sink.close());
  return sink;
}

function record(generation: number, account = "main") {
  return makeTestRecord({ account, generation, issuedAt: Date.UTC(2026, 0, 1) + generation * 3_600_000 });
}

const generations = (entries: { record: { generation: number } }[]) =>
  entries.map((e) => e.record.generation);

describe("options and factory", () => {
  test("defaults", () => {
    expect(sqliteSinkOptions.parse({ path: "tokens.db" })).toEqual({
      path: "tokens.db",
      retention: { keep: 30 },
      busyTimeoutMs: 5000,
      mode: 0o600,
    });
  });

  test("mode is an octal string, never a decimal number; retention takes a count or { keep, days }", () => {
    expect(sqliteSinkOptions.parse({ path: "a", mode: "0640" }).mode).toBe(0o640);
    expect(sqliteSinkOptions.safeParse({ path: "a", mode: 600 }).success).toBe(false);
    expect(sqliteSinkOptions.safeParse({ path: "a", mode: "0800" }).success).toBe(false);
    expect(sqliteSinkOptions.parse({ path: "a", retention: 5 }).retention).toEqual({ keep: 5 });
    expect(sqliteSinkOptions.parse({ path: "a", retention: { days: 7 } }).retention).toEqual({
      keep: 30,
      days: 7,
    });
    expect(sqliteSinkOptions.safeParse({ path: "a", encryptionKeyEnv: "not a name" }).success).toBe(false);
  });

  test("the shorthand is the path, resolved against the config folder", async () => {
    const dir = await folder();
    expect(sqliteSink.fromShorthand?.("tokens.db")).toEqual({ path: "tokens.db" });
    const options = sqliteSinkOptions.parse(sqliteSink.fromShorthand?.("tokens.db"));
    const sink = (await sqliteSink.create(options, {
      baseDir: dir,
      logger: silentLogger,
    })) as SqliteTokenSink;
    cleanups.push(() => sink.close());
    expect(sink.path).toBe(join(dir, "tokens.db"));
    expect(sink.name).toBe(`sqlite:${join(dir, "tokens.db")}`);
    expect(typeof sink.read).toBe("function");
  });
});

describe("the file's folder", () => {
  test("a missing folder is created, owner only (0700), and the token lands in it", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir, { path: "data/upstox/tokens.db" });
    await sink.check();
    await sink.write(record(1));
    expect(statSync(join(dir, "data/upstox")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "data/upstox/tokens.db")).mode & 0o777).toBe(0o600);
    expect((await sink.read("main"))?.generation).toBe(1);
  });

  test("accounts() names every account with a token stored", async () => {
    const sink = await sinkIn(await folder());
    expect(await sink.accounts()).toEqual([]);
    await sink.write(record(1, "zeta"));
    await sink.write(record(1, "default"));
    await sink.write(record(2, "default"));
    expect(await sink.accounts()).toEqual(["default", "zeta"]);
  });
});

describe("reading and history", () => {
  test("read returns the newest generation even when it has expired (validity is the manager's call)", async () => {
    const sink = await sinkIn(await folder());
    const expired = makeTestRecord({ generation: 3, issuedAt: Date.UTC(2020, 0, 1) });
    await sink.write(expired);
    await sink.write(record(2));
    const read = await sink.read("main");
    expect(read?.generation).toBe(3);
    expect(read?.expiresAt).toBe(expired.expiresAt);
    expect(read?.accessToken.reveal()).toBe(expired.accessToken.reveal());
  });

  test("reading the newest row is one index lookup, no sort (the read path of every consumer)", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir);
    await sink.write(record(1));
    const db = new Database(join(dir, "tokens.db"), { readonly: true });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM tokens WHERE account = ? ORDER BY generation DESC, id DESC LIMIT 1",
      )
      .all("main") as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join("; ")).toContain("USING INDEX tokens_account_newest");
    expect(plan.some((p) => p.detail.includes("TEMP B-TREE"))).toBe(false);
  });

  test("a row is parsed once per generation; a new generation or a row rewritten by another process is read anew", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir);
    await sink.write(record(1));
    const first = await sink.read("main");
    expect(await sink.read("main")).toBe(first);
    await sink.write(record(2));
    const second = await sink.read("main");
    expect(second?.generation).toBe(2);
    // Another process replaces the row's payload in place (same generation): the change is seen.
    const other = new Database(join(dir, "tokens.db"));
    other
      .prepare("UPDATE tokens SET written_at = written_at + 1 WHERE account = 'main' AND generation = 2")
      .run();
    other.close();
    const third = await sink.read("main");
    expect(third).not.toBe(second);
    expect(third?.accessToken.reveal()).toBe(second?.accessToken.reveal());
  });

  test("history lists stored records newest first with their write times, bounded by limit", async () => {
    let now = Date.UTC(2026, 5, 1);
    const sink = await sinkIn(await folder(), {}, { now: () => now });
    for (const generation of [1, 2, 3, 4]) {
      await sink.write(record(generation));
      now += 1000;
    }
    const history = await sink.history("main", 3);
    expect(generations(history)).toEqual([4, 3, 2]);
    expect(history.map((entry) => entry.writtenAt)).toEqual([
      Date.UTC(2026, 5, 1) + 3000,
      Date.UTC(2026, 5, 1) + 2000,
      Date.UTC(2026, 5, 1) + 1000,
    ]);
    expect(await sink.history("nobody")).toEqual([]);
  });

  test("the same generation again replaces its row instead of adding one", async () => {
    const sink = await sinkIn(await folder());
    await sink.write(record(1));
    const again = record(1);
    await sink.write(again);
    const history = await sink.history("main");
    expect(history).toHaveLength(1);
    expect(history[0]?.record.accessToken.reveal()).toBe(again.accessToken.reveal());
  });
});

describe("retention", () => {
  test("keeps the newest N rows per account, leaving other accounts alone", async () => {
    const sink = await sinkIn(await folder(), { retention: 3 });
    await sink.write(record(1, "other"));
    await sink.write(record(2, "other"));
    for (let generation = 1; generation <= 10; generation++) await sink.write(record(generation));
    expect(generations(await sink.history("main"))).toEqual([10, 9, 8]);
    expect(generations(await sink.history("other"))).toEqual([2, 1]);
  });

  test("days: drops rows written longer ago, but never the newest row", async () => {
    let now = Date.UTC(2026, 5, 1);
    const sink = await sinkIn(await folder(), { retention: { keep: 100, days: 7 } }, { now: () => now });
    await sink.write(record(1));
    now += 3 * DAY;
    await sink.write(record(2));
    now += 5 * DAY; // generation 1 is now 8 days old
    await sink.write(record(3));
    expect(generations(await sink.history("main"))).toEqual([3, 2]);
    await sink.write(record(1, "quiet"));
    now += 30 * DAY;
    await sink.write(record(4, "quiet"));
    await sink.write(record(4));
    expect(generations(await sink.history("main"))).toEqual([4]);
    expect(generations(await sink.history("quiet"))).toEqual([4]);
  });
});

describe("files", () => {
  test("the database is in WAL mode", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir, { busyTimeoutMs: 1234 });
    await sink.check();
    const db = new Database(join(dir, "tokens.db"), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  test("the database and its -wal and -shm files get mode 0600", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir);
    await sink.write(record(1));
    for (const file of ["tokens.db", "tokens.db-wal", "tokens.db-shm"]) {
      expect((statSync(join(dir, file)).mode & 0o777).toString(8)).toBe("600");
    }
  });

  test("an existing file with a looser mode is tightened; a custom mode is honoured", async () => {
    const dir = await folder();
    writeFileSync(join(dir, "loose.db"), "");
    chmodSync(join(dir, "loose.db"), 0o644);
    const loose = await sinkIn(dir, { path: "loose.db" });
    await loose.check();
    expect((statSync(join(dir, "loose.db")).mode & 0o777).toString(8)).toBe("600");
    const shared = await sinkIn(dir, { path: "shared.db", mode: "0640" });
    await shared.write(record(1));
    expect((statSync(join(dir, "shared.db")).mode & 0o777).toString(8)).toBe("640");
  });

  test("check() on a path under a regular file fails with SINK_CHECK_FAILED and a hint", async () => {
    const dir = await folder();
    writeFileSync(join(dir, "file"), "");
    const sink = await sinkIn(dir, { path: "file/tokens.db" });
    const error = (await sink.check().catch((e: unknown) => e)) as SinkError;
    expect(error).toBeInstanceOf(SinkError);
    expect(error.code).toBe("SINK_CHECK_FAILED");
    expect(error.message).toContain(join(dir, "file/tokens.db"));
    expect(error.hint).toMatch(/folder/);
  });

  test.skipIf(process.getuid?.() === 0)(
    "check() on a read-only file fails (root ignores file modes)",
    async () => {
      const dir = await folder();
      const first = await sinkIn(dir);
      await first.write(record(1));
      await first.close();
      for (const file of ["tokens.db", "tokens.db-wal", "tokens.db-shm"]) {
        try {
          chmodSync(join(dir, file), 0o400);
        } catch {}
      }
      const sink = await sinkIn(dir);
      const error = (await sink.check().catch((e: unknown) => e)) as SinkError;
      expect(error).toBeInstanceOf(SinkError);
      expect(error.code).toBe("SINK_CHECK_FAILED");
    },
  );

  test("another connection holding the write lock past busyTimeoutMs: a retryable SinkError, not a hang", async () => {
    const dir = await folder();
    const sink = await sinkIn(dir, { busyTimeoutMs: 150 });
    await sink.write(record(1));
    const other = new Database(join(dir, "tokens.db"));
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      const error = (await sink.write(record(2)).catch((e: unknown) => e)) as SinkError;
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(error).toBeInstanceOf(SinkError);
      expect(error.retryable).toBe(true);
      expect(error.hint).toMatch(/busyTimeoutMs/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(await sink.write(record(2))).toEqual({ status: "written" });
  });
});

describe("encryption at rest", () => {
  test("round trip; neither the database nor its WAL holds the token; rows say which cipher", async () => {
    const dir = await folder();
    const marker = makeMarkerToken();
    const sink = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env: { TOKEN_KEY: KEY } });
    const stored = makeTestRecord({ accessToken: marker.token, generation: 2 });
    await sink.write(stored);
    const read = await sink.read("main");
    expect(read?.accessToken.reveal()).toBe(marker.token);
    expect(read?.extendedToken?.reveal()).toBe(stored.extendedToken?.reveal());
    for (const file of ["tokens.db", "tokens.db-wal"]) {
      const bytes = readFileSync(join(dir, file)).toString("latin1");
      for (const part of marker.parts) expect(bytes.includes(part)).toBe(false);
    }
    const db = new Database(join(dir, "tokens.db"), { readonly: true });
    const row = db.prepare("SELECT encryption, access_token FROM tokens").get() as Record<string, string>;
    db.close();
    expect(row.encryption).toBe("aes-256-gcm");
    expect(row.access_token).not.toContain(marker.parts[1] ?? "");
  });

  test("a passphrase is stretched (HKDF) and gives the same key on reopening", async () => {
    const dir = await folder();
    const env = { TOKEN_KEY: "correct horse battery staple, but longer and random" };
    const first = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env });
    const stored = record(1);
    await first.write(stored);
    await first.close();
    const second = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env });
    expect((await second.read("main"))?.accessToken.reveal()).toBe(stored.accessToken.reveal());
  });

  test("the wrong key fails check() with a clear error, before any write", async () => {
    const dir = await folder();
    const first = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env: { TOKEN_KEY: KEY } });
    await first.write(record(1));
    await first.close();
    const wrong = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env: { TOKEN_KEY: OTHER_KEY } });
    const error = (await wrong.check().catch((e: unknown) => e)) as SinkError;
    expect(error).toBeInstanceOf(SinkError);
    expect(error.code).toBe("SINK_CHECK_FAILED");
    expect(error.message).toMatch(/key in TOKEN_KEY is not the key this database was encrypted with/);
    expect(inspect(error, { depth: 10 })).not.toContain(OTHER_KEY);
    expect(await wrong.write(record(2)).catch((e: unknown) => (e as SinkError).code)).toBe("SINK_FAILED");
  });

  test("a missing key variable, or encrypted rows read without a key: clear errors", async () => {
    const dir = await folder();
    const missing = await sinkIn(dir, { encryptionKeyEnv: "NOT_SET_ANYWHERE" }, { env: {} });
    const error = (await missing.check().catch((e: unknown) => e)) as SinkError;
    expect(error.message).toMatch(/NOT_SET_ANYWHERE is not set/);

    const writer = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env: { TOKEN_KEY: KEY } });
    await writer.write(record(1));
    const keyless = await sinkIn(dir);
    const readError = (await keyless.read("main").catch((e: unknown) => e)) as SinkError;
    expect(readError).toBeInstanceOf(SinkError);
    expect(readError.message).toMatch(/encrypted/);
    expect(readError.hint).toMatch(/encryptionKeyEnv/);
  });

  test("a ciphertext moved to another row does not decrypt (account and generation are bound to it)", async () => {
    const dir = await folder();
    const env = { TOKEN_KEY: KEY };
    const sink = await sinkIn(dir, { encryptionKeyEnv: "TOKEN_KEY" }, { env });
    await sink.write(record(1, "alpha"));
    await sink.write(record(1, "beta"));
    const db = new Database(join(dir, "tokens.db"));
    db.exec(
      "UPDATE tokens SET access_token = (SELECT access_token FROM tokens WHERE account = 'alpha') WHERE account = 'beta'",
    );
    db.close();
    const error = (await sink.read("beta").catch((e: unknown) => e)) as SinkError;
    expect(error).toBeInstanceOf(SinkError);
    expect(error.message).toMatch(/cannot decrypt/);
  });
});
