import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSinkFromSpec, silentLogger } from "@upstox-token/core";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { startRedisServer, type TestRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import { builtinSinks } from "../src/runner/builtin-sinks.js";
import { cleanupsAfterEach, trackedTempDir } from "./support/cleanups.js";
import { collectJsonLines, runDaemon, spawnDaemon } from "./support/daemon-process.js";
import { accountEntry, addUsers, demoAccount, loginCount, writeConfig } from "./support/helpers.js";
import { injectOtpRateLimit } from "./support/otp-rate-limit.js";

let emulator: Emulator;
const cleanups = cleanupsAfterEach(() => {
  emulator.reset();
  emulator.setLatency(0);
});

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const dir = () => trackedTempDir(cleanups, "daemon-process-");

const sqlite = { use: "sqlite", options: { path: "tokens.db" } };

describe("bad config: a clear message and exit 2, before anything runs", () => {
  test("malformed config file", async () => {
    const file = writeConfig(dir(), '{ "accounts": [ { "name": "x", } ] }');
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain("not valid JSON");
    expect(emulator.log).toHaveLength(0);
  });

  test("missing environment variable", async () => {
    const entry = accountEntry(emulator, demoAccount());
    const file = writeConfig(dir(), {
      accounts: [{ ...entry, credentials: { ...entry.credentials, pin: `\${UPSTOX_TEST_PIN_UNSET}` } }],
      sinks: [sqlite],
    });
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("accounts[0].credentials.pin");
    expect(run.stderr).toContain("UPSTOX_TEST_PIN_UNSET is not set");
    expect(emulator.log).toHaveLength(0);
  });

  test("unknown sink name", async () => {
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [sqlite, { use: "s3-bucket-of-dreams", options: {} }],
    });
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("sinks[1].use");
    expect(run.stderr).toContain('unknown sink "s3-bucket-of-dreams"');
    expect(emulator.log).toHaveLength(0);
  });

  test("unreadable pinFile", async () => {
    const d = dir();
    const pinFile = join(d, "pin");
    writeFileSync(pinFile, "123456");
    chmodSync(pinFile, 0o000);
    const entry = accountEntry(emulator, demoAccount());
    const { pin: _pin, ...rest } = entry.credentials;
    const file = writeConfig(d, {
      accounts: [
        {
          ...entry,
          credentials: { ...rest, pinFile: process.getuid?.() === 0 ? join(d, "missing") : "pin" },
        },
      ],
      sinks: [sqlite],
    });
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("accounts[0].credentials.pinFile: cannot read the file");
    expect(emulator.log).toHaveLength(0);
  });
});

describe("modes", () => {
  test("--dry-run: validates, checks sinks, prints the next runs in IST and local time, logs in nowhere", async () => {
    const d = dir();
    const file = writeConfig(d, { accounts: [accountEntry(emulator, demoAccount("dry"))], sinks: [sqlite] });
    const run = await runDaemon(["--dry-run", "--config", file], { TZ: "UTC" });
    expect(run.code).toBe(0);
    const next = run.stdout.split("\n").filter((l) => l.trim().startsWith("next:"));
    expect(next).toHaveLength(3);
    for (const line of next)
      expect(line).toMatch(/03:3[5-6]:\d\d IST {2}\(\d{4}-\d\d-\d\d 22:0[5-6]:\d\d UTC\)/);
    // The doctor's checks ran (the dialog, login-service probes) but no mobile number, OTP, PIN or code exchange.
    expect(run.stdout).toContain("ok   login service 2fa");
    expect(run.stdout).toMatch(/ok {3}lock file: reachable/);
    expect(emulator.log.filter((e) => e.account !== undefined || e.step === "token")).toEqual([]);
    emulator.retirePath("/login/open/v3/auth/2fa");
    const broken = await runDaemon(["--dry-run", "--config", file], { TZ: "UTC" });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("FAIL login service 2fa");
  });

  test("--once: catches up, prints each account, exits 1 when one failed", async () => {
    const [good, bad] = addUsers(emulator, 2, "once");
    const d = dir();
    const file = writeConfig(d, {
      accounts: [
        accountEntry(emulator, good!),
        accountEntry(emulator, { ...bad!, pin: bad!.pin === "111111" ? "222222" : "111111" }),
      ],
      sinks: [sqlite],
      retry: { attempts: 1 },
    });
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${good!.name}: new token`);
    expect(run.stdout).toContain(`${bad!.name}: FAILED WRONG_PIN`);
    const again = await runDaemon(["--once", "--config", file]);
    expect(again.stdout).toContain(`${good!.name}: valid until`);
    expect(loginCount(emulator)).toBe(1);
  });

  test("--once checks the stored token with Upstox first: a token revoked at Upstox is replaced, a good one kept", async () => {
    const [user] = addUsers(emulator, 1, "revoked");
    const d = dir();
    const file = writeConfig(d, { accounts: [accountEntry(emulator, user!)], sinks: [sqlite] });
    expect((await runDaemon(["--once", "--config", file])).code).toBe(0);
    const again = await runDaemon(["--once", "--config", file]);
    expect(again.stdout).toContain(`${user!.name}: valid until`);
    expect(loginCount(emulator)).toBe(1);
    expect(emulator.steps("profile").length).toBeGreaterThanOrEqual(1);

    // Revoked at Upstox directly (a logout elsewhere, or a static-IP change): the file still says valid.
    const sink = await createSinkFromSpec(sqlite, {
      builtins: builtinSinks,
      baseDir: d,
      logger: silentLogger,
    });
    const stored = await sink.read!(user!.name);
    await sink.close?.();
    const revoke = await fetch(`${emulator.apiBase}/v2/logout`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${stored!.accessToken.reveal()}`, accept: "application/json" },
    });
    expect(revoke.status).toBe(200);
    const restarted = await runDaemon(["--once", "--config", file]);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toContain(`${user!.name}: new token`);
    expect(loginCount(emulator)).toBe(2);
  });

  test("--once under an OTP rate limit: one OTP request, RATE_LIMITED with the next try time, exit 1 at once", async () => {
    injectOtpRateLimit(emulator);
    const file = writeConfig(dir(), { accounts: [accountEntry(emulator, demoAccount())], sinks: [sqlite] });
    const run = await runDaemon(["--once", "--config", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("demo: FAILED RATE_LIMITED");
    expect(run.stdout).toMatch(
      /next try: not before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d IST \(not waiting: --once\)/,
    );
    expect(run.ms).toBeLessThan(15_000);
    expect(emulator.steps("otp-generate")).toHaveLength(1);
  });

  test("--once --emulator works from a config with demo credentials and no endpoints", async () => {
    const d = dir();
    const {
      apiBase: _a,
      serviceBase: _s,
      ...credentials
    } = accountEntry(emulator, demoAccount()).credentials;
    const file = writeConfig(d, {
      accounts: [{ name: "demo", credentials }],
      sinks: [{ use: "env", options: { path: ".env" } }, sqlite],
    });
    const state = join(d, "state");
    const run = await runDaemon(["--once", "--emulator", "--config", file], { UPSTOX_STATE_DIR: state });
    expect(run.code).toBe(0);
    expect(readFileSync(join(d, ".env"), "utf8")).toMatch(/^UPSTOX_ACCESS_TOKEN=eyJ/m);
    expect(emulator.log).toHaveLength(0);
    // What the stand-in Upstox taught (the identity it minted) stays in the rehearsal's own state folder: it
    // never pins, blocks or rate-limits the real account.
    expect(existsSync(join(state, "users"))).toBe(false);
    const rehearsal = join(state, "emulator", "users");
    expect(readdirSync(rehearsal).some((key) => existsSync(join(rehearsal, key, "identity.json")))).toBe(
      true,
    );
  });
});

describe("signals", () => {
  test("SIGTERM during a login: exits 0 within a few seconds, no sink file half written", async () => {
    emulator.setLatency(1_500);
    const d = dir();
    const file = writeConfig(d, {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "env", options: { path: "app.env" } }, sqlite],
    });
    const child = spawnDaemon(["--config", file]);
    const stderr = new Response(child.stderr).text();
    // Wait until the login is under way (the first request has reached the emulator).
    for (let i = 0; i < 100 && emulator.log.length === 0; i++) await Bun.sleep(50);
    expect(emulator.log.length).toBeGreaterThan(0);
    await Bun.sleep(300);
    const sent = Date.now();
    child.kill("SIGTERM");
    const code = await child.exited;
    const took = Date.now() - sent;
    expect(code).toBe(0);
    expect(took).toBeLessThan(5_000);
    expect(await stderr).toContain("daemon stopped");
    // The env sink writes a temp file and renames it: either no file, or a complete one; never a temp left.
    const leftovers = readdirSync(d).filter((f) => f.includes(".tmp") || f.startsWith(".app.env"));
    expect(leftovers).toEqual([]);
    if (existsSync(join(d, "app.env"))) {
      expect(readFileSync(join(d, "app.env"), "utf8")).toMatch(
        /^UPSTOX_ACCESS_TOKEN=eyJ[\w-]+\.[\w-]+\.[\w-]+$/m,
      );
    }
  });
});

describe("long-running", () => {
  test("status endpoint, SIGHUP reload (a bad file keeps the old config), SIGTERM exits 0", async () => {
    const d = dir();
    const base = { sinks: [sqlite], statusServer: { port: 0 } };
    const file = writeConfig(d, { ...base, accounts: [accountEntry(emulator, demoAccount("first"))] });
    const child = spawnDaemon(["--config", file]);
    const lines: Record<string, unknown>[] = [];
    const reader = collectJsonLines(child.stderr, lines);
    const waitFor = async (msg: string) => {
      for (let i = 0; i < 200; i++) {
        const found = lines.find((l) => String(l.msg).includes(msg));
        if (found) return found;
        await Bun.sleep(25);
      }
      throw new Error(`no log line "${msg}" in ${JSON.stringify(lines)}`);
    };
    const { url } = (await waitFor("status endpoint")) as { url: string };
    await waitFor("new token stored");
    const health = await fetch(`${url.replace(/\/$/, "")}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.stringify(await health.json())).toContain("first");

    writeFileSync(file, "{ broken");
    child.kill("SIGHUP");
    await waitFor("still running on the previous config");
    writeConfig(d, {
      ...base,
      accounts: [accountEntry(emulator, demoAccount("first")), accountEntry(emulator, demoAccount("second"))],
    });
    child.kill("SIGHUP");
    await waitFor("config reloaded");
    for (
      let i = 0;
      i < 200 && !lines.some((l) => l.account === "second" && l.msg === "new token stored");
      i++
    ) {
      await Bun.sleep(25);
    }
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    await reader;
    expect(lines.some((l) => l.account === "second" && l.msg === "new token stored")).toBe(true);
    // "first" was not logged in again by the reload: its token is still valid.
    expect(loginCount(emulator)).toBe(2);
  });

  test("install-service prints a unit for the config: every sink's folder and the lock's writable, bun from PATH", async () => {
    const d = dir();
    const botDir = dir();
    const file = writeConfig(d, {
      accounts: [
        {
          ...accountEntry(emulator, demoAccount()),
          sinks: [{ use: "sqlite", options: { path: "data/t.db" } }],
        },
      ],
      sinks: [sqlite, { use: "env", options: { path: `\${BOT_DIR}/.env` } }],
      lock: { use: "file", path: "locks" },
    });
    const run = await runDaemon(["install-service", "--kind", "systemd-user", "--config", file], {
      BOT_DIR: botDir,
      UPSTOX_STATE_DIR: join(d, "state"),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(file);
    // Folders that do not exist yet are marked "-", or systemd would refuse to start the unit; the state
    // folder is not (the printed next steps create it), so a unit that cannot keep its state never starts.
    expect(run.stdout).toContain(
      `ReadWritePaths=${d} ${botDir} -${join(d, "data")} -${join(d, "locks")} ${join(d, "state")}\n`,
    );
    expect(run.stdout).toContain(`mkdir -p -m 0700 ${join(d, "state")}`);
    const execStart = /^ExecStart=(\S+)/m.exec(run.stdout)?.[1];
    // The runtime as PATH names it (e.g. /usr/bin/bun), not the npm package's bin/bun.exe behind it.
    expect(execStart).toBe(Bun.which("bun") ?? process.execPath);
  });
});

describe("several machines", () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test("three daemon processes, one Redis, 20 accounts: exactly 20 logins; every sink of every daemon has the token", async () => {
    const accounts = addUsers(emulator, 20, "multi");
    const configs = [1, 2, 3].map((n) => {
      const d = dir();
      const sinks = [
        { use: "redis", options: { url: redis.url } },
        { use: "env", options: { path: `daemon-${n}.env`, accountPrefix: true } },
        { use: "sqlite", options: { path: `daemon-${n}.db` } },
      ];
      const file = writeConfig(d, {
        accounts: accounts.map((a) => accountEntry(emulator, a)),
        sinks,
        lock: { use: "redis", url: redis.url },
        pace: 200,
      });
      return { d, file, sinks };
    });
    const runs = await Promise.all(configs.map((c) => runDaemon(["--once", "--config", c.file])));
    for (const run of runs)
      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(loginCount(emulator)).toBe(20);

    const tokens = new Map<string, string>();
    for (const config of configs) {
      for (const spec of config.sinks) {
        const sink = await createSinkFromSpec(spec, {
          builtins: builtinSinks,
          baseDir: config.d,
          logger: silentLogger,
        });
        try {
          for (const account of accounts) {
            const record = await sink.read!(account.name);
            expect(record, `${sink.name} ${account.name}`).not.toBeNull();
            const token = record!.accessToken.reveal();
            const seen = tokens.get(account.name);
            if (seen) expect(token).toBe(seen);
            else tokens.set(account.name, token);
          }
        } finally {
          await sink.close?.();
        }
      }
    }
    expect(tokens.size).toBe(20);
  }, 60_000);
});
