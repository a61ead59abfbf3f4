import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import type { DaemonEvent } from "../src/observe/event-bus.js";
import { startDaemon } from "../src/runner/daemon.js";
import { spawnCliGenerateToken } from "./support/cli-process.js";
import { accountEntry, demoAccount, loginCount, memoryLogger, tempDir } from "./support/helpers.js";

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

    const cli = spawnCliGenerateToken(emulator, {
      cwd: dir,
      lockDir,
      stateDir: process.env.UPSTOX_STATE_DIR ?? "",
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
