import { spawnSync } from "node:child_process";
import { freePort } from "./emulator-env.js";

export function redisInstalled(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0;
}

/** A throwaway redis-server on a free port (nothing written to disk), or undefined when it is not installed. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (!redisInstalled()) return undefined;
  const port = await freePort();
  const child = Bun.spawn(["redis-server", "--port", String(port), "--save", "", "--appendonly", "no"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const ping = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
    if (ping.stdout?.trim() === "PONG") break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error("redis-server did not start");
    }
    await Bun.sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill();
      await child.exited;
    },
  };
}
