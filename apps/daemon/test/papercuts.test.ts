import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { accountEntry, DAEMON_BIN, demoAccount, tempDir, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const SINKS = [{ use: "env", options: { path: "bot.env" } }];

function withoutBases(entry: ReturnType<typeof accountEntry>) {
  const { apiBase: _a, serviceBase: _s, ...credentials } = entry.credentials;
  return { ...entry, credentials };
}

test("UPSTOX_API_BASE / UPSTOX_SERVICE_BASE / UPSTOX_DEBUG apply to the daemon's accounts; the config file wins", () => {
  const env = {
    UPSTOX_API_BASE: "http://127.0.0.1:1/api/",
    UPSTOX_SERVICE_BASE: "http://127.0.0.1:2",
    UPSTOX_DEBUG: "true",
  };
  const fromEnv = validateConfig(
    { accounts: [withoutBases(accountEntry(emulator, demoAccount()))], sinks: SINKS },
    { file: null, env },
  );
  expect(fromEnv.accounts[0]!.upstox.apiBase).toBe("http://127.0.0.1:1/api");
  expect(fromEnv.accounts[0]!.upstox.serviceBase).toBe("http://127.0.0.1:2");
  expect(fromEnv.accounts[0]!.upstox.debug).toBe(true);
  const fileWins = validateConfig(
    { accounts: [accountEntry(emulator, demoAccount())], sinks: SINKS },
    { file: null, env },
  );
  expect(fileWins.accounts[0]!.upstox.apiBase).toBe(emulator.apiBase.replace(/\/+$/, ""));
  expect(fileWins.accounts[0]!.upstox.serviceBase).toBe(emulator.serviceBase.replace(/\/+$/, ""));
  const none = validateConfig(
    { accounts: [withoutBases(accountEntry(emulator, demoAccount()))], sinks: SINKS },
    { file: null, env: {} },
  );
  expect(none.accounts[0]!.upstox.apiBase).toBe("https://api.upstox.com");
  expect(none.accounts[0]!.upstox.debug).toBe(false);
});

async function runDaemon(args: string[], env: Record<string, string>) {
  const child = Bun.spawn(["bun", DAEMON_BIN, ...args], {
    // Anything not on loopback goes to a closed local port: a regression cannot reach the real Upstox.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1,localhost",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

test("--once logs in through UPSTOX_API_BASE / UPSTOX_SERVICE_BASE, and UPSTOX_DEBUG logs each request", async () => {
  const { dir, cleanup } = tempDir("daemon-env-bases-");
  try {
    const file = writeConfig(dir, {
      accounts: [withoutBases(accountEntry(emulator, demoAccount()))],
      sinks: [{ use: "env", options: { path: "bot.env" } }],
      lock: { use: "file", path: "locks" },
      verifyOnStart: false,
    });
    const before = emulator.steps("token").length;
    const run = await runDaemon(["--once", "--config", file], {
      UPSTOX_API_BASE: emulator.apiBase,
      UPSTOX_SERVICE_BASE: emulator.serviceBase,
      UPSTOX_DEBUG: "1",
      UPSTOX_STATE_DIR: dir,
    });
    expect(run.stdout).toContain("demo: new token");
    expect(run.code).toBe(0);
    expect(emulator.steps("token").length).toBe(before + 1);
    // debug level: the HTTP client's request lines appear.
    expect(run.stderr).toContain('"level":20');
  } finally {
    cleanup();
  }
});

test("the --once summary passes through the redactor: an Upstox message echoing the client secret and the PIN shows neither", async () => {
  const { dir, cleanup } = tempDir("daemon-once-redaction-");
  const echo = `Invalid request pin=${DEMO_USER.pin} client_secret=${DEMO_APP.apiSecret}`;
  emulator.inject({
    path: /\/auth\/2fa$/,
    body: JSON.stringify({ success: false, error: { code: 1017016, message: echo } }),
    status: 200,
    count: Number.POSITIVE_INFINITY,
  });
  try {
    const file = writeConfig(dir, {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "env", options: { path: "bot.env" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 1 },
      verifyOnStart: false,
    });
    const run = await runDaemon(["--once", "--config", file], { UPSTOX_STATE_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("FAILED");
    expect(run.stdout).toContain("pin=***");
    expect(run.stdout).not.toContain(DEMO_USER.pin);
    expect(run.stdout).not.toContain(DEMO_APP.apiSecret);
  } finally {
    emulator.clearFaults();
    cleanup();
  }
});

test("--dry-run --offline does not promise Upstox checks it skips", async () => {
  const { dir, cleanup } = tempDir("daemon-dry-offline-");
  try {
    const file = writeConfig(dir, {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "env", options: { path: "bot.env" } }],
      lock: { use: "file", path: "locks" },
    });
    const run = await runDaemon(["--dry-run", "--offline", "--config", file], { UPSTOX_STATE_DIR: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("the Upstox checks follow");
    expect(run.stdout).toContain("skipped (--offline)");
  } finally {
    cleanup();
  }
});

test("a PIN referenced from UPSTOX_PIN_CODE with a trailing comment or \\r names the variable and where its value came from, never the value", () => {
  const entry = accountEntry(emulator, demoAccount());
  const raw = {
    accounts: [{ ...entry, credentials: { ...entry.credentials, pin: `\${UPSTOX_PIN_CODE}` } }],
    sinks: SINKS,
  };
  for (const [value, says] of [
    [`${DEMO_USER.pin} # my pin`, "comment"],
    [`${DEMO_USER.pin}\r`, "carriage return"],
  ] as const) {
    let message = "";
    try {
      validateConfig(raw, { file: null, env: { UPSTOX_PIN_CODE: value } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("accounts[0].credentials.pin");
    expect(message).toContain("the value of UPSTOX_PIN_CODE, from the environment");
    expect(message).toContain(says);
    expect(message).not.toContain("UPSTOX_PIN}");
    expect(message).not.toContain(DEMO_USER.pin);
  }
});

test("pretty logs show expiresAt and retryAt in IST like the line's own time, never a UTC ISO time", async () => {
  const { createLogger } = await import("../src/observe/logger.js");
  const { Writable } = await import("node:stream");
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ pretty: true, destination: stream });
  logger.info({ expiresAt: "2026-12-02T22:00:00.000Z", retryAt: "2026-12-02T04:10:00.000Z" }, "probe");
  for (let i = 0; i < 100 && !text.includes("retryAt"); i++) await Bun.sleep(10);
  expect(text).toContain("2026-12-03 03:30:00 IST");
  expect(text).toContain("2026-12-02 09:40:00 IST");
  expect(text).not.toContain("2026-12-02T22:00:00.000Z");
});

test("the watchdog's log names a static-IP update as the likely cause of a token refused before its expiry", async () => {
  const { TokenWatchdog } = await import("../src/http/proxy/watchdog.js");
  const { memoryLogger } = await import("./support/helpers.js");
  const run = async (expiresAt: number) => {
    const logger = memoryLogger();
    let current = { token: "t1", generation: 1, expiresAt };
    const watchdog = new TokenWatchdog({
      authority: {
        current: async () => current,
        refreshNow: async () => {
          current = { token: "t2", generation: 2, expiresAt: 9e15 };
          return { ok: true as const, token: current };
        },
      },
      verify: async () => "dead" as const,
      cooldownMs: 300_000,
      now: () => 1_000,
      logger,
    });
    await watchdog.tokenRefused("main", 1, "GET /v2/user/profile");
    return logger.lines.find((l) => l.message?.includes("Upstox refused the token (401)"));
  };
  const early = await run(9e15);
  expect(early?.message).toContain("static-IP update");
  expect(String(early?.fields.likelyCause)).toContain("invalidates the current tokens");
  const expired = await run(500);
  expect(expired?.message).not.toContain("static-IP");
});

test("credentials.refreshExtendedToken reaches the account's login config (off by default)", () => {
  const entry = accountEntry(emulator, demoAccount());
  const on = validateConfig(
    {
      accounts: [{ ...entry, credentials: { ...entry.credentials, refreshExtendedToken: true } }],
      sinks: SINKS,
    },
    { file: null, env: {} },
  );
  expect(on.accounts[0]!.upstox.refreshExtendedToken).toBe(true);
  const off = validateConfig({ accounts: [entry], sinks: SINKS }, { file: null, env: {} });
  expect(off.accounts[0]!.upstox.refreshExtendedToken).toBe(false);
});

test("a config with typos at every level: every problem in one round, with did-you-mean, sink options in words", async () => {
  const { loadConfigFile } = await import("../src/config/load-config.js");
  const { dir, cleanup } = tempDir("daemon-typos-");
  try {
    const entry = accountEntry(emulator, demoAccount());
    const file = writeConfig(dir, {
      timeZone: "Asia/Kolkata",
      accounts: [
        {
          ...entry,
          credentials: { ...entry.credentials, clientSecrett: "x" },
          schedule: { timeZone: "Asia/Kolkata" },
        },
      ],
      sinks: [
        { use: "sqllite", options: { path: "t.db" } },
        { use: "env", options: { pth: "x.env" } },
      ],
    });
    let message = "";
    try {
      await loadConfigFile({ path: file, env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"clientSecrett" (did you mean "clientSecret"?)');
    expect(message).toContain('accounts[0].schedule: unknown key "timeZone" (did you mean "timezone"?)');
    expect(message).toContain('(top level): unknown key "timeZone" (did you mean "schedule.timezone"?');
    expect(message).toContain('sinks[0].use: unknown sink "sqllite" (did you mean "sqlite"?)');
    expect(message).toContain('sinks[1].options: unknown key "pth" (did you mean "path"?)');
    expect(message).toContain("sinks[1].options.path: is required (a string)");
    expect(message).not.toContain("Invalid input");
  } finally {
    cleanup();
  }
});
