import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readEnvironment } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import { freePort } from "./support/emulator-env.js";
import {
  credentialValues,
  DAEMON_BIN,
  daemonDryRun,
  modeOf,
  rehearsalFolder,
  sqliteToken,
} from "./support/init-setup-check.js";
import { startRedis } from "./support/redis-server.js";
import { runBin, tempDir } from "./support/run-bin.js";

// Non-interactive init: the test runner gives the CLI no terminal (stdin is ignored), as cron or CI would.

const SECRETS = [DEMO_USER.pin, DEMO_USER.totpSecret, DEMO_APP.apiSecret];

/** A project folder (a git repository) and a TMPDIR of its own, so the rehearsal's folder can be found. */
function project(): { dir: string; tmp: string } {
  const dir = tempDir("upstox-init-");
  execFileSync("git", ["init", "-q", dir], { stdio: "ignore" });
  const tmp = join(dir, "..", `${dir.split("/").pop()}-tmp`);
  mkdirSync(tmp);
  return { dir, tmp };
}

const appFlags = ["--client-id", DEMO_APP.apiKey, "--redirect-uri", DEMO_APP.redirectUri];
/** Secrets through the environment, as the README recommends (flags show in the process list). */
const secretEnv = {
  UPSTOX_PIN_CODE: DEMO_USER.pin,
  UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
  UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
};

let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

test("--yes writes .env (0600), a config the daemon accepts, .gitignore lines, and rehearses", async () => {
  const { dir, tmp } = project();
  const result = await runBin(
    [
      "init",
      "--yes",
      "--mobile",
      DEMO_USER.mobile,
      ...appFlags,
      "--sink",
      "env",
      "--sink",
      "sqlite:tokens.db",
    ],
    { cwd: dir, env: { ...secretEnv, TMPDIR: tmp } },
  );
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("Rehearsal passed");
  for (const secret of SECRETS) expect(result.stdout).not.toContain(secret);

  const envFile = join(dir, ".env");
  expect(modeOf(envFile)).toBe(0o600);
  expect(readEnvironment({}, envFile)).toEqual({
    UPSTOX_USERNAME: DEMO_USER.mobile,
    UPSTOX_PIN_CODE: DEMO_USER.pin,
    UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
    UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
    UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
    UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
  });

  const configFile = join(dir, "upstox-token.config.json");
  for (const value of Object.values(credentialValues(configFile)))
    expect(value).toMatch(/^\$\{UPSTOX_[A-Z_]+\}$/);
  const configText = readFileSync(configFile, "utf8");
  for (const secret of SECRETS) expect(configText).not.toContain(secret);
  expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(
    "# upstox-token: secrets (.env) and stored tokens\n.env\ntokens.db*\n",
  );

  // The rehearsal wrote to its own folder, never to the real sinks.
  const folder = rehearsalFolder(tmp);
  expect(result.stdout).toContain(folder);
  expect(readEnvironment({}, join(folder, ".env")).UPSTOX_ACCESS_TOKEN).toMatch(/^eyJ/);
  const stored = await sqliteToken(join(folder, "tokens.db"));
  expect(stored?.accessToken.reveal()).toMatch(/^eyJ/);
  expect(readEnvironment({}, envFile).UPSTOX_ACCESS_TOKEN).toBeUndefined();
  expect(existsSync(join(dir, "tokens.db"))).toBe(false);

  // Last, as its sink check creates tokens.db.
  if (existsSync(DAEMON_BIN)) {
    const daemon = await daemonDryRun(configFile, envFile);
    expect(daemon.stdout).toContain("dry run: config valid, sinks checked");
    expect(daemon.code).toBe(0);
  } else {
    console.warn(`init-flags: ${DAEMON_BIN} not found; the config is not checked by the daemon`);
  }
}, 30_000);

test("no terminal and values missing: exit 2 naming each flag and variable; nothing is written", async () => {
  const { dir } = project();
  const result = await runBin(["init", "--mobile", DEMO_USER.mobile, "--pin", "12345"], { cwd: dir });
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  for (const missing of [
    "--totp-secret (or UPSTOX_TOTP_SECRET) is required",
    "--client-id (or UPSTOX_CLIENT_ID) is required",
    "--client-secret (or UPSTOX_CLIENT_SECRET) is required",
    "--redirect-uri (or UPSTOX_REDIRECT_URI) is required",
    "UPSTOX_PIN_CODE must be your 6-digit Upstox PIN (--pin)",
  ]) {
    expect(result.stderr).toContain(missing);
  }
  expect(result.stderr).not.toContain("12345");
  expect(readdirSync(dir)).toEqual([".git"]);
});

test("invalid values exit 2 naming the flag: mobile shape, TOTP secret, redirect URI", async () => {
  const { dir } = project();
  const result = await runBin(
    [
      "init",
      "--yes",
      "--json",
      "--mobile",
      "+91 98765 4321",
      "--totp-secret",
      "not-base32-1890",
      "--client-id",
      DEMO_APP.apiKey,
      "--redirect-uri",
      "/callback",
    ],
    { cwd: dir, env: { UPSTOX_PIN_CODE: DEMO_USER.pin, UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret } },
  );
  expect(result.code).toBe(2);
  const body = JSON.parse(result.stdout) as { error: { code: string; message: string; field: string } };
  expect(body.error.code).toBe("CONFIG_INVALID");
  expect(body.error.message).toContain("10-digit mobile number without +91 (--mobile)");
  expect(body.error.message).toContain("not base32");
  expect(body.error.message).toContain("(--totp-secret)");
  expect(body.error.message).toContain("absolute http(s) URL");
  expect(body.error.message).toContain("(--redirect-uri)");
  expect(existsSync(join(dir, ".env"))).toBe(false);
});

test("re-running with --json reuses the folder's .env and keeps its other lines", async () => {
  const { dir, tmp } = project();
  writeFileSync(join(dir, ".env"), "# my app\nDATABASE_URL=postgres://db/app\n");
  const first = await runBin(["init", "--yes", "--mobile", DEMO_USER.mobile, ...appFlags, "--no-rehearse"], {
    cwd: dir,
    env: secretEnv,
  });
  expect(first.code).toBe(0);

  const again = await runBin(["init", "--json"], { cwd: dir, env: { TMPDIR: tmp } });
  expect(again.stderr).toBe("");
  expect(again.code).toBe(0);
  const body = JSON.parse(again.stdout) as Record<string, unknown>;
  expect(body).toMatchObject({
    ok: true,
    flow: "totp",
    account: "main",
    env_file: { created: false, added: [], updated: [] },
    config_file: { status: "unchanged" },
    gitignore: { added: [] },
    rehearsal: { ok: true, demo_user: false, sinks: [{ sink: ".env file .env", ok: true }] },
  });
  expect(readFileSync(join(dir, ".env"), "utf8")).toStartWith("# my app\nDATABASE_URL=postgres://db/app\n");
});

test("the browser flow asks no login credentials; the rehearsal logs the demo user in through the app", async () => {
  const { dir, tmp } = project();
  const result = await runBin(["init", "--yes", "--flow", "browser", ...appFlags, "--sink", "sqlite"], {
    cwd: dir,
    env: { UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret, TMPDIR: tmp },
  });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("as the emulator's demo user, through your app");
  expect(Object.keys(readEnvironment({}, join(dir, ".env")))).toEqual([
    "UPSTOX_CLIENT_ID",
    "UPSTOX_CLIENT_SECRET",
    "UPSTOX_REDIRECT_URI",
  ]);
  expect(Object.keys(credentialValues(join(dir, "upstox-token.config.json")))).toEqual([
    "clientId",
    "clientSecret",
    "redirectUri",
  ]);
  expect((await sqliteToken(join(rehearsalFolder(tmp), "upstox-tokens.db")))?.profile.userId).toBe(
    DEMO_USER.userId,
  );
});

test("a rehearsal that fails exits 1; the files are written all the same", async () => {
  const { dir, tmp } = project();
  const closed = await freePort();
  const result = await runBin(
    [
      "init",
      "--yes",
      "--mobile",
      DEMO_USER.mobile,
      ...appFlags,
      "--sink",
      `redis:redis://127.0.0.1:${closed}`,
      "--sink",
      "env",
    ],
    { cwd: dir, env: { ...secretEnv, TMPDIR: tmp } },
  );
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("Rehearsal FAILED");
  expect(result.stdout).toContain("SINK_CHECK_FAILED");
  expect(existsSync(join(dir, ".env"))).toBe(true);
  expect(existsSync(join(dir, "upstox-token.config.json"))).toBe(true);
  // The failed sink and the one never tried say so; no line points into a folder that holds nothing.
  expect(result.stdout).toContain(`✗ Redis redis://127.0.0.1:${closed}: failed\n`);
  expect(result.stdout).toContain("- .env file .env: not tried; the rehearsal stopped before the login");
  expect(result.stdout).not.toContain("token written to");
  expect(result.stdout).toContain("Nothing was written, so its temp folder was removed.");
  expect(readdirSync(tmp).filter((f) => f.startsWith("upstox-token-rehearsal-"))).toEqual([]);
});

test("a kept config and a new sink choice: the rehearsal and Next use the kept config's sinks, and say so", async () => {
  const { dir, tmp } = project();
  const args = ["init", "--yes", "--mobile", DEMO_USER.mobile, ...appFlags];
  const first = await runBin([...args, "--sink", "env"], { cwd: dir, env: { ...secretEnv, TMPDIR: tmp } });
  expect(first.code).toBe(0);
  const second = await runBin([...args, "--sink", "sqlite:tokens.db"], {
    cwd: dir,
    env: { ...secretEnv, TMPDIR: tmp },
  });
  expect(second.code).toBe(0);
  const out = second.stdout;
  expect(out).toContain("exists and differs; kept as it was");
  expect(out).toContain(
    "it names .env file .env, so the rehearsal and the steps below use those; your choice (SQLite tokens.db) was not saved.",
  );
  expect(out).toMatch(/✓ \.env file \.env: token written to /);
  expect(out).not.toMatch(/✓ SQLite/);
  const next = out.slice(out.indexOf("Next:"));
  expect(next).toContain("generate-token --sink env:.env");
  expect(next).not.toContain("sqlite");
  // --force makes the new choice the config's, and then all three agree on it.
  const forced = await runBin([...args, "--sink", "sqlite:tokens.db", "--force"], {
    cwd: dir,
    env: { ...secretEnv, TMPDIR: tmp },
  });
  expect(forced.stdout).toContain("upstox-token.config.json: replaced");
  expect(forced.stdout).toMatch(/✓ SQLite tokens\.db: token written to /);
  expect(forced.stdout.slice(forced.stdout.indexOf("Next:"))).toContain("--sink sqlite:tokens.db");
});

test("a Redis rehearsal uses a throwaway prefix: the real key stays untouched", async () => {
  if (!redis) {
    console.warn("init-flags: redis-server is not installed; the Redis rehearsal test is skipped");
    return;
  }
  const { dir, tmp } = project();
  const result = await runBin(
    ["init", "--yes", "--json", "--mobile", DEMO_USER.mobile, ...appFlags, "--sink", `redis:${redis.url}`],
    {
      cwd: dir,
      env: { ...secretEnv, TMPDIR: tmp },
    },
  );
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { rehearsal: { sinks: { wrote_to: string }[] } };
  const prefix = /under (upstox-token-rehearsal:[0-9a-f]+:)/.exec(body.rehearsal.sinks[0]!.wrote_to)?.[1];
  expect(prefix).toBeDefined();
  const port = new URL(redis.url).port;
  const keys = execFileSync("redis-cli", ["-p", port, "--scan"], { encoding: "utf8" }).trim().split("\n");
  expect(keys).toEqual([`${prefix}main`]);
});
