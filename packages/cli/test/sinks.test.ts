import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { redisInstalled, startRedis } from "./support/redis-server.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  emulator = await startEmulator();
  redis = await startRedis();
});
afterAll(async () => {
  await emulator.close();
  await redis?.stop();
});
beforeEach(() => emulator.reset());

interface SinkOutcomeJson {
  sink: string;
  ok: boolean;
  status?: string;
  error?: { code: string; message: string };
}

test("generate-token writes the env and sqlite sinks, and status shows both", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, ".env"), "# my settings\nOTHER=keep me\n", { mode: 0o600 });
  const sinks = ["--sink", `env:${join(dir, ".env")}`, "--sink", `sqlite:${join(dir, "t.db")}`];
  const result = await runBin(["generate-token", "--json", ...sinks], { env: emulatorEnv(emulator) });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { access_token: string; sinks: SinkOutcomeJson[] };
  expect(body.sinks).toHaveLength(2);
  for (const outcome of body.sinks) expect(outcome).toMatchObject({ ok: true, status: "written" });

  const envText = readFileSync(join(dir, ".env"), "utf8");
  expect(envText).toStartWith("# my settings\nOTHER=keep me\n");
  expect(envText).toContain(`UPSTOX_ACCESS_TOKEN=${body.access_token}`);

  const status = await runBin(["status", "--json", ...sinks], { env: emulatorEnv(emulator) });
  expect(status.code).toBe(0);
  const shown = JSON.parse(status.stdout) as { ok: boolean; entries: Record<string, unknown>[] };
  expect(shown.ok).toBe(true);
  expect(shown.entries).toHaveLength(2);
  for (const entry of shown.entries) {
    expect(entry).toMatchObject({ account: "main", state: "valid" });
    expect(entry.expires_at).toMatch(/T03:30:00\.000\+05:30$/);
    expect(entry.access_token).not.toBe(body.access_token);
    expect(String(entry.access_token)).toContain("…");
  }
  // The SQLite sink keeps the profile; the .env sink only the token and its times.
  expect(shown.entries.find((e) => String(e.sink).startsWith("sqlite"))?.user_id).toBe(DEMO_USER.userId);

  const human = await runBin(["status", ...sinks], { env: emulatorEnv(emulator) });
  expect(human.code).toBe(0);
  expect(human.stdout).toContain("main @ env:");
  expect(human.stdout).toContain("main @ sqlite:");
  expect(human.stdout.match(/: valid/g)).toHaveLength(2);
  expect(human.stdout).toMatch(/expires:\s+\d{4}-\d\d-\d\d 03:30 IST \(in .*; local /);
  expect(human.stdout).not.toContain(body.access_token);

  // verify can take the token from a sink.
  const verify = await runBin(["verify", "--sink", `sqlite:${join(dir, "t.db")}`], {
    env: emulatorEnv(emulator),
  });
  expect(verify.code).toBe(0);
  expect(verify.stdout).toContain("✓ valid");
});

test("--sink env means ./.env; --account names the record; status exits 1 for a missing account", async () => {
  const dir = tempDir();
  const result = await runBin(
    ["generate-token", "--sink", "env", "--sink", "sqlite:t.db", "--account", "alice"],
    {
      env: emulatorEnv(emulator),
      cwd: dir,
    },
  );
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/✓ env:.*\.env: written/);
  expect(readFileSync(join(dir, ".env"), "utf8")).toContain("UPSTOX_ACCESS_TOKEN=");

  const alice = await runBin(["status", "--sink", "sqlite:t.db", "--account", "alice", "--json"], {
    cwd: dir,
  });
  expect(alice.code).toBe(0);
  const missing = await runBin(
    ["status", "--sink", "sqlite:t.db", "--account", "alice", "--account", "bob"],
    {
      cwd: dir,
    },
  );
  expect(missing.code).toBe(1);
  expect(missing.stdout).toContain("bob @ sqlite:");
  expect(missing.stdout).toContain(`no token for "bob"; it holds "alice"'s: ask with --account alice`);

  // Without --account: the default, main. The sinks hold alice's token, and say so (JSON too).
  const byDefault = await runBin(["status", "--sink", "env", "--sink", "sqlite:t.db"], { cwd: dir });
  expect(byDefault.code).toBe(1);
  expect(byDefault.stdout).toContain("main @ env:");
  expect(byDefault.stdout.match(/it holds "alice"'s: ask with --account alice/g)).toHaveLength(2);
  const asJson = await runBin(["status", "--json", "--sink", "sqlite:t.db"], { cwd: dir });
  expect(JSON.parse(asJson.stdout).entries).toEqual([
    expect.objectContaining({ account: "main", state: "missing", other_accounts: ["alice"] }),
  ]);

  // An empty sink still says just that.
  const empty = await runBin(["status", "--sink", "sqlite:empty.db"], { cwd: dir });
  expect(empty.stdout).toContain("no token stored");
});

test("one default account name: main, in the CLI and in core", async () => {
  const { DEFAULT_ACCOUNT: core } = await import("@upstox-token/core");
  const { DEFAULT_ACCOUNT: cli } = await import("../src/default-account.js");
  expect(cli).toBe(core);
  expect(core).toBe("main");
  for (const command of ["generate-token", "status", "init", "verify"]) {
    const help = await runBin([command, "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/--account <name> [^-]*default:? "?main"?\)/);
  }
});

test.skipIf(!redisInstalled())("the redis sink: written, and status reads it back", async () => {
  const sink = `redis:${redis!.url}`;
  const result = await runBin(["generate-token", "--json", "--sink", sink], { env: emulatorEnv(emulator) });
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { sinks: SinkOutcomeJson[] };
  expect(body.sinks[0]).toMatchObject({ ok: true, status: "written" });
  const status = await runBin(["status", "--json", "--sink", sink]);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, entries: [{ state: "valid" }] });
  const other = await runBin(["status", "--sink", sink, "--account", "nobody"]);
  expect(other.code).toBe(1);
  expect(other.stdout).toContain(`no token for "nobody"; it holds "main"'s: ask with --account main`);
});

test("a sink that fails its start-up check stops the run before any login", async () => {
  const result = await runBin(["generate-token", "--sink", "env:/nonexistent-dir/deeper/.env"], {
    env: emulatorEnv(emulator),
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/error \[SINK_CHECK_FAILED\]/);
  expect(emulator.log).toHaveLength(0);
});

test("an unknown sink name is a usage error (exit 2) listing the built-ins", async () => {
  const result = await runBin(["generate-token", "--sink", "nosuchsink-8f3a:db"], {
    env: emulatorEnv(emulator),
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("error [SINK_NOT_FOUND]");
  expect(result.stderr).toContain("env, sqlite, redis");
  expect(emulator.log).toHaveLength(0);
});

test("one failing sink: the others still get the token, the outcome is reported, exit 1", async () => {
  const dir = tempDir();
  const failingSink = join(import.meta.dir, "fixtures", "failing-sink.ts");
  const result = await runBin(["generate-token", "--json", "--sink", failingSink, "--sink", "sqlite:t.db"], {
    env: emulatorEnv(emulator),
    cwd: dir,
  });
  expect(result.code).toBe(1);
  const body = JSON.parse(result.stdout) as { access_token: string; sinks: SinkOutcomeJson[] };
  expect(emulator.isTokenValid(body.access_token)).toBe(true);
  const failing = body.sinks.find((o) => o.sink === "failing");
  expect(failing).toMatchObject({ ok: false, error: { code: "SINK_FAILED" } });
  expect(failing?.error?.message).toContain("disk on fire");
  expect(body.sinks.find((o) => o.sink.startsWith("sqlite"))).toMatchObject({ ok: true, status: "written" });
  expect(result.stderr).toContain("error [SINK_FAILED]: the token was not stored in failing");
  // Exactly one login, however many times the sink write was retried.
  expect(emulator.steps("token")).toHaveLength(1);
});

test("the only sink fails: the token spent on the login is still printed, exit 1 naming the sink", async () => {
  const dir = tempDir();
  const failingSink = join(import.meta.dir, "fixtures", "failing-sink.ts");
  const result = await runBin(["generate-token", "--json", "--sink", failingSink], {
    env: emulatorEnv(emulator, { UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks") }),
    cwd: dir,
  });
  expect(result.code).toBe(1);
  const body = JSON.parse(result.stdout) as { access_token: string; sinks: SinkOutcomeJson[] };
  expect(emulator.isTokenValid(body.access_token)).toBe(true);
  expect(body.sinks).toHaveLength(1);
  expect(result.stderr).toContain("error [SINK_FAILED]: the token was not stored in failing");
  expect(emulator.steps("token")).toHaveLength(1);
});
