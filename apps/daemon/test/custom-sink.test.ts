import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { accountEntry, DAEMON_BIN, demoAccount, tempDir, writeConfig } from "./support/helpers.js";

// A third-party sink, named in the config by module path exactly as a user would, loaded by the daemon.
const EXAMPLE_SINK = resolve(import.meta.dir, "../../../examples/custom-sink/src/index.ts");

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

test("a custom sink loaded by path from the config file receives the token", async () => {
  const { dir, cleanup } = tempDir("daemon-custom-sink-");
  try {
    const config = writeConfig(dir, {
      accounts: [accountEntry(emulator, demoAccount("main"))],
      // Relative to the config file's folder, like any path in the config.
      sinks: [{ use: relative(dir, EXAMPLE_SINK), options: { path: "tokens.json" } }],
    });
    const child = Bun.spawn(["bun", DAEMON_BIN, "--once", "--config", config], {
      env: { ...process.env }, // its state folder: test/support/isolated-state.ts
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(code, stderr).toBe(0);

    const file = join(dir, "tokens.json");
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, { access_token: string }>;
    const token = stored.main?.access_token ?? "";
    expect(emulator.isTokenValid(token)).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(stderr).not.toContain(token);
  } finally {
    cleanup();
  }
});
