import { createServer } from "node:net";
import { DEMO_APP, DEMO_USER, type Emulator } from "@upstox-token/emulator";

/** The variables that point the CLI at the emulator and log in as its demo user. */
export function emulatorEnv(
  emulator: Emulator,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    UPSTOX_API_BASE: emulator.apiBase,
    UPSTOX_SERVICE_BASE: emulator.serviceBase,
    UPSTOX_USERNAME: DEMO_USER.mobile,
    UPSTOX_PIN_CODE: DEMO_USER.pin,
    UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
    UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
    UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
    UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
    // The test's own state folder (test/support/isolated-state.ts): refused PINs, rate limits, locks.
    ...(process.env.UPSTOX_STATE_DIR ? { UPSTOX_STATE_DIR: process.env.UPSTOX_STATE_DIR } : {}),
    ...overrides,
  };
}

/** A port that was free a moment ago (for the browser callback and the notifier). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
