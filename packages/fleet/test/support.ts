import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { WorkerSettings } from "./fixtures/fleet-worker.js";

export function redisInstalled(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A throwaway redis-server on a free port, nothing written to disk; `restart` starts it again on the same port. */
export async function startRedis(): Promise<{
  url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}> {
  const port = await freePort();
  const spawn = async () => {
    const child = Bun.spawn(["redis-server", "--port", String(port), "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const deadline = Date.now() + 5_000;
    while (
      spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() !== "PONG"
    ) {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await Bun.sleep(50);
    }
    return child;
  };
  let child = await spawn();
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill();
      await child.exited;
    },
    async restart() {
      child.kill();
      await child.exited;
      child = await spawn();
    },
  };
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const totpSecret = () => [...randomBytes(16)].map((b) => BASE32[b % 32]).join("");

/** Waits for a condition, checking every `everyMs`; throws with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

export interface WorkerProcess {
  child: Subprocess<"ignore", "pipe", "pipe">;
  stderr: () => string;
}

/** Starts one fleet worker process and waits until it says "ready". */
export async function startWorker(settings: WorkerSettings): Promise<WorkerProcess> {
  const dir = await mkdtemp(join(tmpdir(), "fleet-worker-"));
  const file = join(dir, "settings.json");
  await writeFile(file, JSON.stringify(settings), { mode: 0o600 });
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "fixtures", "fleet-worker.ts"), file], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  void (async () => {
    for await (const chunk of child.stderr) err += new TextDecoder().decode(chunk);
  })();
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`fleet worker exited before ready: ${err}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { child, stderr: () => err };
}
