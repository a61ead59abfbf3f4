import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSinkFromSpec, silentLogger, type TokenSink } from "@upstox-token/core";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { startRedisServer, type TestRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import { builtinSinks } from "../src/runner/builtin-sinks.js";
import { cleanupsAfterEach } from "./support/cleanups.js";
import { collectJsonLines, spawnDaemon } from "./support/daemon-process.js";
import { accountEntry, DAEMON_BIN, demoAccount, tempDir, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
const cleanups = cleanupsAfterEach(() => emulator.reset());

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function folder(): string {
  const t = tempDir("daemon-lagging-");
  cleanups.push(t.cleanup);
  mkdirSync(join(t.dir, "locks"));
  mkdirSync(join(t.dir, "state"));
  return t.dir;
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** A long-running daemon process with its JSON log lines collected. */
function runDaemon(dir: string, file: string) {
  const child = Bun.spawn(["bun", DAEMON_BIN, "--config", file], {
    env: {
      ...process.env,
      UPSTOX_TOKEN_LOG_LEVEL: "info",
      UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
      UPSTOX_STATE_DIR: join(dir, "state"),
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  const lines: Record<string, unknown>[] = [];
  void collectJsonLines(child.stderr, lines, (part) => ({ msg: part }));
  cleanups.push(async () => {
    child.kill("SIGTERM");
    await child.exited;
  });
  const logged = (text: string) =>
    until(() => lines.find((l) => String(l.msg).includes(text)), `log line "${text}"`, 30_000);
  return { child, lines, logged };
}

async function health(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url.replace(/\/$/, "")}/healthz`);
  return { status: response.status, body: await response.text() };
}

async function openSink(spec: unknown, baseDir: string): Promise<TokenSink> {
  const sink = await createSinkFromSpec(spec as Parameters<typeof createSinkFromSpec>[0], {
    builtins: builtinSinks,
    baseDir,
    logger: silentLogger,
  });
  cleanups.push(async () => {
    await sink.close?.();
  });
  return sink;
}

test("Redis down at start: the daemon runs, writes .env at its cycle, /healthz names the redis sink; Redis started later gets the token within a minute and /healthz turns 200", async () => {
  const redis: TestRedisServer = await startRedisServer();
  cleanups.push(() => redis.stop());
  await redis.stop();
  const dir = folder();
  const redisSpec = { use: "redis", options: { url: redis.url } };
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "app.env" } }, redisSpec],
    statusServer: { port: 0 },
  });
  const daemon = runDaemon(dir, file);
  const { url } = (await daemon.logged("status endpoint")) as { url: string };
  await until(
    () =>
      (existsSync(join(dir, "app.env")) && readFileSync(join(dir, "app.env"), "utf8").includes("eyJ")) ||
      undefined,
    "the token in app.env",
    30_000,
  );
  await daemon.logged("does not hold main's token");
  const during = await health(url);
  expect(during.status).toBe(503);
  expect(during.body).toContain("lagging_sinks");
  expect(during.body).toContain("redis");
  expect(daemon.child.exitCode).toBeNull();

  await redis.restart();
  const sink = await openSink(redisSpec, dir);
  const started = Date.now();
  const record = await until(
    async () => (await sink.read!("main").catch(() => null)) ?? undefined,
    "the key in Redis",
    60_000,
  );
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(readFileSync(join(dir, "app.env"), "utf8")).toContain(record.accessToken.reveal());
  await until(async () => ((await health(url)).status === 200 ? true : undefined), "/healthz 200", 10_000);
  expect(emulator.steps("2fa")).toHaveLength(1);

  // A mid-day outage: Redis restarts empty (no persistence). The periodic read-back finds the key gone and
  // writes it again, without a login and without waiting for the next cycle.
  await redis.restart();
  expect(await sink.read!("main").catch(() => null)).toBeNull();
  await until(
    async () => (await sink.read!("main").catch(() => null)) ?? undefined,
    "the key written again",
    60_000,
  );
  expect(emulator.steps("2fa")).toHaveLength(1);
}, 180_000);

test("a sink that cannot be written during a cycle (its folder is a file): 1 PIN and 1 OTP request, SQLite holds the token, /healthz names the sink until it is fixed and caught up", async () => {
  const dir = folder();
  // Root ignores file modes, so the broken sink is a path whose parent is a regular file (ENOTDIR).
  writeFileSync(join(dir, "broken"), "not a folder");
  const sqliteSpec = { use: "sqlite", options: { path: "tokens.db" } };
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "broken/app.env" } }, sqliteSpec],
    statusServer: { port: 0 },
  });
  const daemon = runDaemon(dir, file);
  const { url } = (await daemon.logged("status endpoint")) as { url: string };
  await daemon.logged("new token stored");
  await daemon.logged("does not hold main's token");
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("otp-generate")).toHaveLength(1);
  const sqlite = await openSink(sqliteSpec, dir);
  const stored = await sqlite.read!("main");
  expect(stored?.accessToken.reveal()).toMatch(/^eyJ/);
  const during = await health(url);
  expect(during.status).toBe(503);
  expect(during.body).toContain("broken/app.env");
  const metrics = await (await fetch(`${url.replace(/\/$/, "")}/metrics`)).text();
  expect(metrics).toMatch(/upstox_token_sink_lagging\{account="main",sink="env:[^"]*broken\/app\.env"\} 1/);

  rmSync(join(dir, "broken"));
  mkdirSync(join(dir, "broken"));
  await until(
    () => (existsSync(join(dir, "broken", "app.env")) ? true : undefined),
    "the caught-up .env",
    60_000,
  );
  expect(readFileSync(join(dir, "broken", "app.env"), "utf8")).toContain(stored!.accessToken.reveal());
  await until(async () => ((await health(url)).status === 200 ? true : undefined), "/healthz 200", 10_000);
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("otp-generate")).toHaveLength(1);
}, 120_000);

test('a token exchange answering "access_token":"not-a-jwt" is stored nowhere (SQLite, .env): TOKEN_MALFORMED, one PIN', async () => {
  const dir = folder();
  emulator.malformedTokens(1);
  const sqliteSpec = { use: "sqlite", options: { path: "tokens.db" } };
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "app.env" } }, sqliteSpec],
  });
  const child = spawnDaemon(["--once", "--config", file], {
    UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
    UPSTOX_STATE_DIR: join(dir, "state"),
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(code).toBe(1);
  expect(stderr).toContain("TOKEN_MALFORMED");
  expect(emulator.steps("2fa")).toHaveLength(1);
  const env = existsSync(join(dir, "app.env")) ? readFileSync(join(dir, "app.env"), "utf8") : "";
  expect(env).not.toContain("not-a-jwt");
  expect(env).not.toContain("UPSTOX_ACCESS_TOKEN=");
  const sqlite = await openSink(sqliteSpec, dir);
  expect(await sqlite.read!("main")).toBeNull();
  if (existsSync(join(dir, "tokens.db")))
    expect(readFileSync(join(dir, "tokens.db")).includes(Buffer.from("not-a-jwt"))).toBe(false);
}, 60_000);

test("--once with its only sink unwritable: one login (1 PIN, 1 OTP request), exit 1 naming the sink", async () => {
  const dir = folder();
  writeFileSync(join(dir, "broken"), "not a folder");
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "broken/app.env" } }],
  });
  const child = Bun.spawn(["bun", DAEMON_BIN, "--once", "--config", file], {
    env: {
      ...process.env,
      UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
      UPSTOX_STATE_DIR: join(dir, "state"),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(1);
  expect(stdout).toContain("broken/app.env does not hold the token");
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("otp-generate")).toHaveLength(1);
}, 60_000);

test("a token no sink could store survives a config reload: no second login, and it lands once the sink works", async () => {
  const dir = folder();
  writeFileSync(join(dir, "broken"), "not a folder");
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "broken/app.env" } }],
    lock: { use: "file", path: "locks" },
  });
  const { startDaemon } = await import("../src/runner/daemon.js");
  const daemon = await startDaemon({ configPath: file, schedule: false, env: {} });
  cleanups.push(() => daemon.stop());
  expect((await daemon.runOnce()).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
  expect(daemon.laggingSinks("main").map((l) => l.sink)).toEqual([expect.stringContaining("broken/app.env")]);
  const held = await daemon.storedRecord("main");
  expect(held?.accessToken.reveal()).toMatch(/^eyJ/);

  expect(await daemon.reload()).toMatchObject({ ok: true });
  rmSync(join(dir, "broken"));
  mkdirSync(join(dir, "broken"));
  expect((await daemon.runOnce()).accounts[0]).toMatchObject({ result: "served" });
  expect(readFileSync(join(dir, "broken", "app.env"), "utf8")).toContain(held!.accessToken.reveal());
  expect(emulator.steps("2fa")).toHaveLength(1);
}, 60_000);

test("--dry-run names a sink that cannot be written now and exits 1 (not 2: the config is fine), logging in nowhere", async () => {
  const dir = folder();
  writeFileSync(join(dir, "broken"), "not a folder");
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [
      { use: "env", options: { path: "broken/app.env" } },
      { use: "sqlite", options: { path: "tokens.db" } },
    ],
  });
  const child = Bun.spawn(["bun", DAEMON_BIN, "--dry-run", "--offline", "--config", file], {
    env: { ...process.env, UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"), UPSTOX_STATE_DIR: join(dir, "state") },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(1);
  expect(stdout).toMatch(/sink env:\S*broken\/app\.env: check FAILED/);
  expect(stdout).not.toContain("tokens.db: check FAILED");
  expect(emulator.log).toHaveLength(0);
}, 60_000);

test("the Redis lock not up at start: the daemon runs, sends no PIN, and logs in soon after Redis starts (not 30 min later)", async () => {
  const redis: TestRedisServer = await startRedisServer();
  cleanups.push(() => redis.stop());
  await redis.stop();
  const dir = folder();
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "app.env" } }],
    lock: { use: "redis", url: redis.url },
  });
  const daemon = runDaemon(dir, file);
  const failed = await daemon.logged("refresh of main failed for this cycle");
  expect(emulator.steps("2fa")).toHaveLength(0);
  expect(daemon.child.exitCode).toBeNull();
  expect(failed).toMatchObject({ account: "main" });

  await redis.restart();
  await until(
    () =>
      (existsSync(join(dir, "app.env")) && readFileSync(join(dir, "app.env"), "utf8").includes("eyJ")) ||
      undefined,
    "the token in app.env",
    60_000,
  );
  expect(emulator.steps("2fa")).toHaveLength(1);
}, 120_000);

test("the proxy's token authority serves a token no sink stored from the engine's holder, never reading the sinks for it, across a reload too", async () => {
  const dir = folder();
  writeFileSync(join(dir, "broken"), "not a folder");
  const file = writeConfig(dir, {
    accounts: [accountEntry(emulator, demoAccount("main"))],
    sinks: [{ use: "env", options: { path: "broken/app.env" } }],
    lock: { use: "file", path: "locks" },
  });
  const { startDaemon } = await import("../src/runner/daemon.js");
  const { EngineTokenAuthority } = await import("@upstox-token/core");
  const daemon = await startDaemon({ configPath: file, schedule: false, env: {} });
  cleanups.push(() => daemon.stop());
  let sinkReads = 0;
  const authority = new EngineTokenAuthority({
    holder: daemon.tokens,
    inFlight: (account) => daemon.inFlight(account),
    refresh: (account, reason) => daemon.refreshNow(account, reason, { force: true }),
    readStored: (account) => {
      sinkReads++;
      return daemon.storedRecord(account);
    },
  });
  expect((await daemon.runOnce()).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
  const held = await daemon.storedRecord("main");
  expect(held?.accessToken.reveal()).toMatch(/^eyJ/);
  expect(daemon.tokens.get("main")?.generation).toBe(held!.generation);
  const served = await authority.current("main");
  expect(served?.token).toBe(held!.accessToken.reveal());
  expect(sinkReads).toBe(0);

  // After a reload the new engine holds it (carried over) and the holder still serves it: no login, no read.
  expect(await daemon.reload()).toMatchObject({ ok: true });
  expect((await authority.current("main"))?.token).toBe(held!.accessToken.reveal());
  expect(sinkReads).toBe(0);
  expect(emulator.steps("2fa")).toHaveLength(1);
}, 60_000);
