// The Python examples read what the real sinks write: a .env file (python-dotenv) and a Redis key plus its
// events channel (redis-py). PyPI is not used: the test looks for a Python that already has the library
// (e.g. Debian's python3-dotenv / python3-redis) and skips loudly where there is none.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadConfig,
  loginWithTotp,
  silentLogger,
  type TokenRecord,
  toIstIso,
  toRecord,
} from "@upstox-token/core";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { envSink } from "@upstox-token/sink-env";
import { RedisTokenSink, redisSinkOptions } from "@upstox-token/sink-redis";
import { sqliteSink } from "@upstox-token/sink-sqlite";
import { startRedisServer, type TestRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import { emulatorEnv } from "../src/consumer-project.js";
import { LineReader } from "../src/line-reader.js";
import { loudSkip } from "../src/node-runtime.js";
import { tempFolder } from "../src/packed-workspace.js";
import { cleanEnv, run } from "../src/run.js";
import { repoRoot } from "../src/workspace.js";

const examples = join(repoRoot, "examples", "python-consumer");

/** The first Python that can import `module`: UPSTOX_TOKEN_TEST_PYTHON, python3 on PATH, Debian's. */
function pythonWith(module: string): string | undefined {
  const candidates = [process.env.UPSTOX_TOKEN_TEST_PYTHON, Bun.which("python3"), "/usr/bin/python3"];
  for (const python of candidates) {
    if (!python || !existsSync(python)) continue;
    const probe = Bun.spawnSync([python, "-c", `import ${module}`], { stdout: "ignore", stderr: "ignore" });
    if (probe.exitCode === 0) return python;
  }
  return undefined;
}

const dotenvPython = pythonWith("dotenv");
const redisPython = pythonWith("redis");
const sqlitePython = pythonWith("sqlite3");
const install = "apt-get install python3-dotenv python3-redis, or set UPSTOX_TOKEN_TEST_PYTHON";
if (!dotenvPython) loudSkip("the Python .env example test", `no Python with python-dotenv (${install})`);
if (!sqlitePython) loudSkip("the Python SQLite example test", "no Python with its sqlite3 module");
if (!redisPython) loudSkip("the Python Redis example test", `no Python with redis-py (${install})`);

let emulator: Emulator;
const dir = tempFolder("upstox-token-python-");

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
}, 120_000);

afterAll(async () => {
  await emulator?.close();
}, 120_000);

async function freshRecord(account: string, generation: number): Promise<TokenRecord> {
  const token = await loginWithTotp(loadConfig({ env: emulatorEnv(emulator.url), envFile: false }));
  return toRecord(account, token, generation);
}

describe.skipIf(!dotenvPython)("read_env.py (python-dotenv)", () => {
  async function writeEnvFile(record: TokenRecord) {
    const path = join(dir, ".env");
    // A user's own settings around the token; the sink changes only its keys.
    writeFileSync(path, "# my app\nDATABASE_URL=postgres://app@db/app\n", { mode: 0o600 });
    const sink = await envSink.create(envSink.optionsSchema.parse({ path }), {
      baseDir: dir,
      logger: silentLogger,
    });
    try {
      expect(await sink.write(record)).toEqual({ status: "written" });
    } finally {
      await sink.close?.();
    }
  }
  const readEnv = () =>
    run(dotenvPython!, [join(examples, "read_env.py")], { cwd: dir, env: cleanEnv(), allowFailure: true });

  test("prints the token's tail and its expiry from the file the env sink wrote", async () => {
    const record = await freshRecord("default", 1);
    await writeEnvFile(record);
    const { exitCode, stdout, stderr } = await readEnv();
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    const tail = record.accessToken.reveal().slice(-6);
    expect(stdout.trim()).toBe(
      `token …${tail} valid until ${toIstIso(record.expiresAt).replace(".000", "")}`,
    );
  }, 30_000);

  test("takes the file's path as its argument, from any folder", async () => {
    const record = await freshRecord("main", 3);
    await writeEnvFile(record);
    const { exitCode, stdout } = await run(
      dotenvPython!,
      [join(examples, "read_env.py"), join(dir, ".env")],
      {
        cwd: repoRoot,
        env: cleanEnv(),
        allowFailure: true,
      },
    );
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`token …${record.accessToken.reveal().slice(-6)} valid until`);
  }, 30_000);

  test("refuses an expired token", async () => {
    const record = await freshRecord("default", 2);
    await writeEnvFile({ ...record, expiresAt: Date.now() - 60_000 });
    const { exitCode, stderr } = await readEnv();
    expect(exitCode).toBe(1);
    expect(stderr).toContain("no valid Upstox token in .env");
  }, 30_000);
});

describe.skipIf(!sqlitePython)("read_sqlite.py (sqlite3)", () => {
  const path = join(dir, "data", "upstox-tokens.db");
  async function writeRecords(records: TokenRecord[]) {
    const sink = await sqliteSink.create(sqliteSink.optionsSchema.parse({ path }), {
      baseDir: dir,
      logger: silentLogger,
    });
    try {
      for (const record of records) expect(await sink.write(record)).toEqual({ status: "written" });
    } finally {
      await sink.close?.();
    }
  }
  const readSqlite = (...args: string[]) =>
    run(sqlitePython!, [join(examples, "read_sqlite.py"), ...args], {
      cwd: repoRoot,
      env: cleanEnv(),
      allowFailure: true,
    });

  test("the newest token of the account named, from the path given, whatever else the file holds", async () => {
    const older = await freshRecord("main", 1);
    const newer = await freshRecord("main", 2);
    const other = await freshRecord("family-2", 7);
    await writeRecords([older, newer, other]);
    const tail = (record: TokenRecord) => record.accessToken.reveal().slice(-6);
    const expiry = (record: TokenRecord) =>
      new Date(record.expiresAt).toISOString().replace(".000Z", "+00:00");

    const main = await readSqlite(path);
    expect(main.stderr).toBe("");
    expect(main.stdout.trim()).toBe(`token …${tail(newer)} valid until ${expiry(newer)}`);
    const family = await readSqlite(path, "family-2");
    expect(family.stdout.trim()).toBe(`token …${tail(other)} valid until ${expiry(other)}`);

    const nobody = await readSqlite(path, "nobody");
    expect(nobody.exitCode).toBe(1);
    expect(nobody.stderr).toContain('no valid Upstox token for account "nobody"');
    expect((await readSqlite()).stderr).toContain("usage: python read_sqlite.py <tokens.db> [account]");
  }, 30_000);

  test("refuses an expired token", async () => {
    const record = await freshRecord("main", 3);
    await writeRecords([{ ...record, expiresAt: Date.now() - 60_000 }]);
    const { exitCode, stderr } = await readSqlite(path);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("no valid Upstox token");
  }, 30_000);
});

describe.skipIf(!redisPython)("read_redis.py (redis-py)", () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
  }, 120_000);

  test("reads upstox-token:<account> and reloads on upstox-token:events", async () => {
    const sink = new RedisTokenSink(redisSinkOptions.parse({ url: redis.url }));
    expect(await sink.write(await freshRecord("py", 5))).toEqual({ status: "written" });
    const reader = Bun.spawn([redisPython!, join(examples, "read_redis.py")], {
      cwd: dir,
      env: cleanEnv({ REDIS_URL: redis.url, UPSTOX_ACCOUNT: "py" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = new LineReader(reader.stdout);
    try {
      const subscribed = JSON.parse(await out.waitFor((l) => l.includes('"subscribed"'), 15_000));
      expect(subscribed).toMatchObject({ generation: 5 });

      // Another account's token is not ours: no reload. Then ours: a reload with the new generation.
      expect(await sink.write(await freshRecord("someone-else", 9))).toEqual({ status: "written" });
      const second = await freshRecord("py", 6);
      expect(await sink.write(second)).toEqual({ status: "written" });
      const event = JSON.parse(await out.waitFor((l) => l.includes('"generation": 6'), 10_000));
      expect(event).toEqual({ reason: "event", generation: 6, expires_at: toIstIso(second.expiresAt) });
      expect(out.lines.filter((l) => l.includes('"event"'))).toHaveLength(1);
    } finally {
      reader.kill("SIGKILL");
      await sink.close();
    }
  }, 60_000);
});
