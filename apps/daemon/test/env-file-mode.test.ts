import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { startDaemon } from "../src/runner/daemon.js";
import { accountEntry, demoAccount, memoryLogger, tempDir } from "./support/helpers.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

test("the daemon warns when it writes the token into a .env that group or others can read", async () => {
  const { dir, cleanup } = tempDir("daemon-mode-");
  const file = join(dir, "bot.env");
  writeFileSync(file, "A=1\n");
  chmodSync(file, 0o640);
  const logger = memoryLogger();
  const config = validateConfig(
    {
      accounts: [accountEntry(emulator, demoAccount())],
      sinks: [{ use: "env", options: { path: "bot.env" } }],
      lock: { use: "file", path: "locks" },
    },
    { file: null, baseDir: dir },
  );
  const daemon = await startDaemon({ config, schedule: false, logger });
  try {
    const summary = await daemon.runOnce();
    expect(summary.accounts[0]?.result).toBe("refreshed");
    const warning = logger.lines.find((l) => l.level === "warn" && l.message?.includes("chmod 600"));
    expect(warning?.message).toContain(file);
    expect(warning?.message).toContain("its group");
  } finally {
    await daemon.stop();
    cleanup();
  }
});
