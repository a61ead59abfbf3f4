/**
 * How fast a program gets its token once one is stored: TokenManager.getValidToken served from the SQLite sink
 * and from the Redis sink, against the physical floor of each backend in the same run (a bare better-sqlite3
 * prepared `get` of the same row, a bare Redis `GET` of the same key). Target: within 1.2× of the bare call (SQLite: the row is validated once per generation, not per read).
 *
 *   bun bench/read.ts [--iterations 20000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger, TokenManager, type TokenSink } from "@upstox-token/core";
import { redisSink } from "@upstox-token/sink-redis";
import { sqliteSink } from "@upstox-token/sink-sqlite";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import { startRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import Database from "better-sqlite3";
import Redis from "ioredis";
import { percentile, writeResult } from "./stats.js";

const flag = process.argv.indexOf("--iterations");
const iterations = flag >= 0 ? Number(process.argv[flag + 1]) : 20_000;
if (!Number.isInteger(iterations) || iterations < 1)
  throw new Error("--iterations must be a positive integer");
const account = "bench";
const context = { baseDir: process.cwd(), logger: silentLogger };

type Stats = { p50: number; p99: number };

/**
 * Measures the served read and the bare call interleaved, in alternating blocks of 500, so that load from
 * other processes on the machine falls on both alike instead of skewing whichever ran second.
 */
async function measurePair(served: () => unknown, bare: () => unknown): Promise<[Stats, Stats]> {
  for (let i = 0; i < Math.min(2_000, iterations); i++) {
    await served();
    await bare();
  } // warm-up
  const samples = [new Float64Array(iterations), new Float64Array(iterations)];
  const fns = [served, bare];
  const block = 500;
  for (let start = 0; start < iterations; start += block) {
    for (const which of [0, 1]) {
      const fn = fns[which]!;
      const out = samples[which]!;
      for (let i = start; i < Math.min(start + block, iterations); i++) {
        const t = performance.now();
        await fn();
        out[i] = performance.now() - t;
      }
    }
  }
  const stats = (list: Float64Array): Stats => {
    const values = Array.from(list);
    return { p50: percentile(values, 50) * 1000, p99: percentile(values, 99) * 1000 }; // µs
  };
  return [stats(samples[0]!), stats(samples[1]!)];
}

function managerFor(sink: TokenSink) {
  return new TokenManager({
    sinks: [sink],
    login: async () => {
      throw new Error("the benchmark must be served from the sink");
    },
  });
}

const record = makeTestRecord({ account, expiresAt: Date.now() + 6 * 3_600_000 });
const rows: Array<Record<string, string | number>> = [];
const report = (name: string, served: { p50: number; p99: number }, bare: { p50: number; p99: number }) => {
  rows.push({
    backend: name,
    "getValidToken p50 µs": Number(served.p50.toFixed(1)),
    "getValidToken p99 µs": Number(served.p99.toFixed(1)),
    "bare p50 µs": Number(bare.p50.toFixed(1)),
    "bare p99 µs": Number(bare.p99.toFixed(1)),
    "p50 ratio": Number((served.p50 / bare.p50).toFixed(2)),
    "p99 ratio": Number((served.p99 / bare.p99).toFixed(2)),
  });
};

// SQLite
const dir = await mkdtemp(join(tmpdir(), "bench-read-"));
const dbPath = join(dir, "tokens.db");
const sqlite = await sqliteSink.create(sqliteSink.optionsSchema.parse({ path: dbPath }), context);
await sqlite.write(record);
const sqliteManager = managerFor(sqlite);
const bareDb = new Database(dbPath, { readonly: true });
const bareGet = bareDb.prepare("SELECT * FROM tokens WHERE account = ? ORDER BY generation DESC LIMIT 1");
report(
  "sqlite",
  ...(await measurePair(
    () => sqliteManager.getValidToken(account),
    () => bareGet.get(account),
  )),
);
bareDb.close();
await sqlite.close();
await rm(dir, { recursive: true, force: true });

// Redis
const server = await startRedisServer();
const redis = await redisSink.create(redisSink.optionsSchema.parse({ url: server.url }), context);
await redis.write(record);
const redisManager = managerFor(redis);
const bare = new Redis(server.url);
const prefix = (redisSink.optionsSchema.parse({ url: server.url }) as { prefix: string }).prefix;
report(
  "redis",
  ...(await measurePair(
    () => redisManager.getValidToken(account),
    () => bare.get(`${prefix}${account}`),
  )),
);
bare.disconnect();
await redis.close();
await server.stop();

console.log(`getValidToken served from a sink vs the bare backend call, ${iterations} iterations each`);
console.table(rows);
console.log(`written to ${await writeResult("read", { iterations, rows })}`);
