import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const SECRETS = {
  pin: DEMO_USER.pin,
  pinBase64: Buffer.from(DEMO_USER.pin).toString("base64"),
  totpSecret: DEMO_USER.totpSecret,
  clientSecret: DEMO_APP.apiSecret,
};
/** An upstream message that echoes every secret, as a misbehaving service (or a proxy) might. */
const ECHO = `Invalid request pin=${SECRETS.pin} encoded=${SECRETS.pinBase64} totp=${SECRETS.totpSecret} client_secret=${SECRETS.clientSecret}`;

function expectNoSecret(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
  }
}

test("an Upstox error echoing the PIN, its base64, the TOTP secret and the client secret shows none of them (--debug, human and --json)", async () => {
  for (const json of [false, true]) {
    emulator.reset();
    emulator.inject({
      path: /\/auth\/2fa$/,
      body: JSON.stringify({ success: false, error: { code: 1017016, message: ECHO } }),
      status: 200,
      count: 1,
    });
    const result = await runBin(["generate-token", "--debug", ...(json ? ["--json"] : [])], {
      // A state folder per run: the first run's refused PIN would stop the second before the request.
      env: emulatorEnv(emulator, { UPSTOX_STATE_DIR: tempDir() }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Invalid request pin=***");
    expectNoSecret(result.stdout);
    expectNoSecret(result.stderr);
  }
});
