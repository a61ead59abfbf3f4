import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import type { DaemonEvent } from "../src/observe/event-bus.js";
import { startDaemon } from "../src/runner/daemon.js";
import { accountEntry, demoAccount, loginCount, memoryLogger, tempDir } from "./support/helpers.js";

/** The CLI by path: the daemon does not depend on the CLI package, the test only runs its executable. */
const CLI_BIN = join(import.meta.dir, "..", "..", "..", "packages", "cli", "src", "bin.ts");

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

test("a CLI generate-token started while the daemon logs in the same account waits and takes its token", async () => {
  const { dir, cleanup } = tempDir("daemon-cli-lock-");
  try {
    const lockDir = join(dir, "locks");
    const config = validateConfig(
      {
        accounts: [accountEntry(emulator, demoAccount("main"))],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        lock: { use: "file", path: lockDir },
      },
      { file: null, baseDir: dir },
    );
    const logger = memoryLogger();
    const daemon = await startDaemon({ config, schedule: false, logger });
    const events: DaemonEvent[] = [];
    daemon.events.on((e) => {
      events.push(e);
    });
    // The daemon's login is slow at the TOTP step, so the CLI arrives while it holds the lock.
    emulator.inject({ path: /otp-totp\/verify$/, delayMs: 2_500, count: 1 });
    const run = daemon.runOnce();
    await until(() => emulator.steps("otp-generate").length === 1);

    const cli = Bun.spawn(["bun", CLI_BIN, "generate-token", "--json", "--sink", "sqlite:tokens.db"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NO_COLOR: "1",
        UPSTOX_TOKEN_LOCK_DIR: lockDir,
        UPSTOX_API_BASE: emulator.apiBase,
        UPSTOX_SERVICE_BASE: emulator.serviceBase,
        UPSTOX_USERNAME: DEMO_USER.mobile,
        UPSTOX_PIN_CODE: DEMO_USER.pin,
        UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
        UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
        UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
        UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
      },
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(cli.stdout).text(),
      new Response(cli.stderr).text(),
      cli.exited,
    ]);
    const summary = await run;
    await daemon.stop();

    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(code).toBe(0);
    expect(stderr).toMatch(/waiting for account main's lock by pid \d+ on .+, held since \d{4}-/);
    const body = JSON.parse(stdout) as { access_token: string; logged_in_by?: string };
    expect(body.logged_in_by).toBe("another process");
    const stored = events.find((e) => e.type === "stored");
    expect(stored?.type === "stored" && stored.record.accessToken.reveal()).toBe(body.access_token);
    // One login in all: the CLI waited for the daemon's and took its token.
    expect(loginCount(emulator)).toBe(1);
    expect(emulator.steps("otp-generate")).toHaveLength(1);
  } finally {
    cleanup();
  }
}, 30_000);
