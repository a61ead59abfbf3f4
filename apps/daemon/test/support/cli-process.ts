import { join } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator } from "@upstox-token/emulator";

/** The CLI by path: the daemon does not depend on the CLI package, the test only runs its executable. */
export const CLI_BIN = join(import.meta.dir, "..", "..", "..", "..", "packages", "cli", "src", "bin.ts");

/**
 * The CLI's `generate-token --json --sink sqlite:tokens.db` run in `cwd` as the emulator's demo user, as a person
 * would beside the daemon: only PATH and HOME from this process, the lock and state folders given.
 */
export function spawnCliGenerateToken(
  emulator: Emulator,
  options: { cwd: string; lockDir: string; stateDir: string },
) {
  return Bun.spawn(["bun", CLI_BIN, "generate-token", "--json", "--sink", "sqlite:tokens.db"], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      UPSTOX_TOKEN_LOCK_DIR: options.lockDir,
      UPSTOX_STATE_DIR: options.stateDir,
      UPSTOX_API_BASE: emulator.apiBase,
      UPSTOX_SERVICE_BASE: emulator.serviceBase,
      UPSTOX_USERNAME: DEMO_USER.mobile,
      UPSTOX_PIN_CODE: DEMO_USER.pin,
      UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
      UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
      UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
      UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
    },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
}
