import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { accountEntry, DAEMON_BIN, demoAccount, tempDir, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

test("--once against a Cloudflare challenge: FAILED BLOCKED, exit 1, one OTP generate in the cycle", async () => {
  const { dir, cleanup } = tempDir("daemon-blocked-");
  try {
    emulator.cloudflareChallenge({
      path: "/login/open/v6/auth/1fa/otp/generate",
      count: Number.POSITIVE_INFINITY,
    });
    const file = writeConfig(dir, {
      accounts: [accountEntry(emulator, demoAccount("blocked"))],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      retry: { attempts: 3 },
    });
    const child = Bun.spawn(["bun", DAEMON_BIN, "--once", "--config", file], {
      env: { ...process.env, UPSTOX_STATE_DIR: dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(code).toBe(1);
    expect(stdout).toContain("blocked: FAILED BLOCKED");
    expect(stdout).not.toContain("UPSTOX_ENDPOINT_PROFILE");
    // BLOCKED is not retryable: the current retry policy makes no second attempt in the cycle.
    expect(emulator.steps("otp-generate")).toHaveLength(1);
    expect(emulator.steps("2fa")).toHaveLength(0);
  } finally {
    emulator.reset();
    cleanup();
  }
});
