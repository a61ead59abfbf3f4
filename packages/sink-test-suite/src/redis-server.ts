import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A Redis server for tests: a private `redis-server` on its own port, or the one in `REDIS_URL`. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` (or `REDIS_URL` as given). */
  url: string;
  port: number;
  /** Stops the server gracefully (SIGTERM) and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it runs) and waits until it answers PING. */
  restart(): Promise<void>;
  /** Stops the server abruptly (SIGKILL), as a crash or a pulled cable would. */
  kill(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

/** Where redis-server is, or undefined. Looks at /usr/bin first, then PATH. */
export function findRedisServerBinary(): string | undefined {
  const candidates = [
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
    "/opt/homebrew/bin/redis-server",
  ];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir) candidates.push(join(dir, "redis-server"));
  }
  return candidates.find((candidate) => existsSync(candidate));
}

/**
 * Starts a throwaway `redis-server` (no persistence, bound to 127.0.0.1, on a free port) and waits until it
 * answers PING. Without redis-server on the machine, falls back to `process.env.REDIS_URL`, where stop, restart
 * and kill throw (tests that need them should skip); without either, throws.
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const binary = findRedisServerBinary();
  if (binary === undefined) return externalServer();

  // With --save "" and --appendonly no, redis-server writes nothing to its folder.
  const dir = tmpdir();
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS && child === undefined; attempt++) {
    port = await findFreePort();
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      // Another process may have taken the port between our probe and redis-server's bind: try another.
      lastError = error;
    }
  }
  if (child === undefined) {
    throw new Error(`could not start redis-server after ${PORT_ATTEMPTS} attempts`, { cause: lastError });
  }

  let current: ChildProcess | undefined = child;
  // A test run that dies must not leave servers behind.
  const killOnExit = (): void => {
    current?.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = current;
    current = undefined;
    process.removeListener("exit", killOnExit);
    if (running) await terminate(running, signal);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt("SIGTERM");
    },
    async restart() {
      await halt("SIGTERM");
      current = await launch(binary, port, dir);
      process.on("exit", killOnExit);
    },
    async kill() {
      await halt("SIGKILL");
    },
  };
}

function externalServer(): TestRedisServer {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      "redis-server is not installed and REDIS_URL is not set: install Redis (apt-get install redis-server, " +
        "brew install redis) or point REDIS_URL at a Redis you may flush",
    );
  }
  const parsed = new URL(url);
  const unsupported = (what: string) => async (): Promise<void> => {
    throw new Error(`${what} is not supported with REDIS_URL (no local redis-server to control)`);
  };
  return {
    url,
    port: Number(parsed.port || 6379),
    stop: async () => {},
    restart: unsupported("restart()"),
    kill: unsupported("kill()"),
  };
}

/** Binds port 0 on 127.0.0.1 to let the OS pick a free port, then releases it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

async function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--logfile",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer): void => {
    if (output.length < 8_000) output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
    child.once("error", () => {
      exited = true;
      resolve();
    });
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await ping(port)) {
      // Not ours if we have died meanwhile (another server on the port answered).
      if (!exited) return child;
      break;
    }
    await Promise.race([sleep(50), exit]);
  }
  if (!exited) await terminate(child, "SIGKILL");
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms: ${output.trim().slice(-500)}`,
  );
}

/** Sends PING over a raw socket; true on +PONG. */
export function ping(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    let answer = "";
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS));
  if ((await Promise.race([exited, timer])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
