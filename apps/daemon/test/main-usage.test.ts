// The daemon's command line as an operator meets it: --version, usage errors that exit 2 without a stack trace,
// a status port in use refused before any login, the next run logged, terminal logs in IST, and a --dry-run that
// says each warning once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { Writable } from "node:stream";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import manifest from "../package.json" with { type: "json" };
import { type MainIo, runMain } from "../src/main.js";
import { createLogger } from "../src/observe/logger.js";
import { cleanupsAfterEach, trackedTempDir } from "./support/cleanups.js";
import { collectJsonLines, runDaemon, spawnDaemon } from "./support/daemon-process.js";
import { accountEntry, demoAccount, loginCount, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
const cleanups = cleanupsAfterEach(() => emulator.reset());
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const dir = () => trackedTempDir(cleanups, "daemon-main-");

function memoryIo(): MainIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    process: { on: () => process, off: () => process } as unknown as MainIo["process"],
  };
  return io;
}

const STACK_FRAME = /\n\s+at /;

describe("usage", () => {
  test("--version prints the package's version and exits 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const io = memoryIo();
      expect(await runMain(["bun", "daemon", flag], io)).toBe(0);
      expect(io.out.trim()).toBe(manifest.version);
    }
  });

  test("a bad --log-level is a usage error: exit 2, the allowed levels, no stack trace", async () => {
    const io = memoryIo();
    expect(await runMain(["bun", "daemon", "--log-level", "loud", "--once"], io)).toBe(2);
    expect(io.err).toContain("argument 'loud' is invalid");
    expect(io.err).toContain("trace, debug, info, warn, error");
    expect(io.err).not.toMatch(STACK_FRAME);
  });

  test("a bad UPSTOX_TOKEN_LOG_LEVEL is one too, naming the variable", async () => {
    const run = await runDaemon(["--once"], { UPSTOX_TOKEN_LOG_LEVEL: "verbose" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('UPSTOX_TOKEN_LOG_LEVEL="verbose" is not a log level');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  test("--once with --dry-run is a usage error", async () => {
    const io = memoryIo();
    expect(await runMain(["bun", "daemon", "--once", "--dry-run"], io)).toBe(2);
    expect(io.err).toContain("'--dry-run' cannot be used with option '--once'");
  });
});

describe("start-up", () => {
  test("a status port in use: exit 2 naming the port and the fix, before any login or 'daemon ready'", async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "sqlite", options: { path: "t.db" } }],
      statusServer: { port },
    });
    const run = await runDaemon(["--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `the status endpoint cannot listen on 127.0.0.1:${port}: the port is in use`,
    );
    expect(run.stderr).toContain(`set statusServer.port in ${file} to a free one`);
    expect(run.stderr).not.toContain("daemon ready");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(emulator.log).toHaveLength(0);
  });

  test("the proxy's port in use: exit 2 naming proxy.listen and the fix, before any login", async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "sqlite", options: { path: "t.db" } }],
      proxy: { listen: `127.0.0.1:${port}` },
    });
    const run = await runDaemon(["--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the API proxy cannot listen on 127.0.0.1:${port}: the port is in use`);
    expect(run.stderr).toContain(`set proxy.listen in ${file} to a free one`);
    expect(run.stderr).not.toContain("daemon ready");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(emulator.log).toHaveLength(0);
  });

  test("the next scheduled run is logged at start and after the account's cycle", async () => {
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount("alpha"))],
      sinks: [{ use: "sqlite", options: { path: "t.db" } }],
    });
    const child = spawnDaemon(["--config", file]);
    cleanups.push(async () => {
      child.kill("SIGTERM");
      await child.exited;
    });
    const lines: Record<string, unknown>[] = [];
    void collectJsonLines(child.stderr, lines);
    const index = async (predicate: (line: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 400; i++) {
        const at = lines.findIndex(predicate);
        if (at !== -1) return at;
        await Bun.sleep(25);
      }
      throw new Error(`no such log line in ${JSON.stringify(lines)}`);
    };
    const atStart = await index((l) => String(l.msg).startsWith("next scheduled run"));
    const stored = await index((l) => l.msg === "new token stored");
    const after = await index((l) => String(l.msg).startsWith("next run") && l.account === "alpha");
    expect(after).toBeGreaterThan(stored);
    for (const line of [lines[atStart]!, lines[after]!]) {
      expect(String(line.nextRun)).toMatch(/^\d{4}-\d\d-\d\d 03:3\d:\d\d IST$/);
      expect(line.local).toBeString();
    }
    expect(loginCount(emulator)).toBe(1);
  });

  test("--dry-run says the early-cron warning once", async () => {
    const file = writeConfig(dir(), {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "sqlite", options: { path: "t.db" } }],
      schedule: "0 2 * * *",
    });
    const run = await runDaemon(["--dry-run", "--config", file], { UPSTOX_TOKEN_LOG_LEVEL: "" });
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`.match(/runs before 03:30 IST/g)).toHaveLength(1);
  });
});

test("terminal (pretty) logs show the time in IST, with the zone", async () => {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ pretty: true, destination: stream });
  logger.info({}, "hello");
  for (let i = 0; i < 100 && !text.includes("hello"); i++) await Bun.sleep(10);
  expect(text).toMatch(/\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d IST\]/);
  expect(text).toContain("hello");
});
