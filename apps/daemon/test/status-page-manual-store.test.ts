import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { startDaemonServers } from "../src/http/daemon-servers.js";
import { startDaemon } from "../src/runner/daemon.js";
import { spawnCliGenerateToken } from "./support/cli-process.js";
import { accountEntry, demoAccount, loginCount, memoryLogger, tempDir } from "./support/helpers.js";
import { waitFor as until } from "./support/wait.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

test("a token the CLI stored is shown as stored by hand, naming the command, not 'by another process'", async () => {
  const { dir, cleanup } = tempDir("daemon-manual-store-");
  const stateDir = join(dir, "state");
  const config = validateConfig(
    {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 1 },
      statusServer: { port: 0 },
    },
    { file: null, baseDir: dir },
  );
  const logger = memoryLogger();
  const daemon = await startDaemon({ config, logger, schedule: false, stateDir });
  const servers = await startDaemonServers(daemon, { logger });
  const url = servers.statusServer!.url;
  const lastRefresh = async () => {
    const report = (await (await fetch(`${url}/v1/accounts`)).json()) as {
      accounts: { last_refresh: { cause: string | null; note: string | null; logged_in: boolean | null } }[];
    };
    return report.accounts[0]!.last_refresh;
  };
  try {
    await daemon.runOnce("catch-up");
    expect((await lastRefresh()).cause).toBe("start-up");
    // A token is known by its issue time, in whole seconds (the JWT's iat): the CLI's must be a later one.
    const first = daemon.lastRefresh("main")!.issuedAt;
    await until("the next second", () => Date.now() >= first + 1_000);

    // A person logs in by hand and stores the token in the daemon's sink, with the daemon's state folder.
    const cli = spawnCliGenerateToken(emulator, {
      cwd: dir,
      lockDir: join(dir, "locks"),
      stateDir: stateDir,
    });
    const [stderr, code] = await Promise.all([new Response(cli.stderr).text(), cli.exited]);
    expect(code, stderr).toBe(0);

    // The daemon's next cycle serves the CLI's token (no login of its own) and tells its story.
    const logins = loginCount(emulator);
    await daemon.runOnce("catch-up");
    expect(loginCount(emulator)).toBe(logins);
    await until("the manual cause", async () => (await lastRefresh()).cause === "manual");
    expect(await lastRefresh()).toMatchObject({ note: "upstox-token generate-token", logged_in: true });
    expect(daemon.lastRefresh("main")).toMatchObject({
      cause: "manual",
      note: "upstox-token generate-token",
    });
  } finally {
    await servers.close();
    await daemon.stop();
    cleanup();
  }
}, 30_000);
