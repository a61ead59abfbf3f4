import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  accountEntry,
  DAEMON_BIN,
  demoAccount,
  loginCount,
  tempDir,
  writeConfig,
} from "./support/helpers.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

async function run(args: string[]) {
  // The environment as it is now (its state folder: test/support/isolated-state.ts).
  const child = Bun.spawn(["bun", DAEMON_BIN, ...args], {
    env: { ...process.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { code, stderr };
}

test("--env-file supplies the variables the config refers to, so secrets stay out of the config and the shell", async () => {
  const { dir, cleanup } = tempDir("daemon-env-file-");
  try {
    const entry = accountEntry(emulator, demoAccount("main"));
    const config = writeConfig(dir, {
      accounts: [{ ...entry, credentials: { ...entry.credentials, pin: `\${UPSTOX_ENV_FILE_TEST_PIN}` } }],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
    });
    const envFile = join(dir, "secrets.env");
    writeFileSync(envFile, `# secrets\nUPSTOX_ENV_FILE_TEST_PIN=${entry.credentials.pin}\n`, { mode: 0o600 });

    const before = loginCount(emulator);
    const ok = await run(["--once", "--config", config, "--env-file", envFile]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(loginCount(emulator)).toBe(before + 1);
    expect(ok.stderr).not.toContain(entry.credentials.pin);

    const missing = await run(["--once", "--config", config, "--env-file", join(dir, "nope.env")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.env");
  } finally {
    cleanup();
  }
});
