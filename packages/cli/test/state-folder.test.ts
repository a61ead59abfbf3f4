import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { userStateFor } from "@upstox-token/core/internal";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** This test's state folder (test/support/isolated-state.ts), shared by the runs of one test as by processes. */
const state = () =>
  userStateFor(process.env.UPSTOX_STATE_DIR!, { mobile: DEMO_USER.mobile, clientId: DEMO_APP.apiKey });

test("after a RATE_LIMITED run, generate-token sends no request to Upstox and exits 1 naming the time (IST)", async () => {
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      success: false,
      data: null,
      error: {
        code: 1017069,
        message: "You have exceeded the OTP request limit. Please try after 10 minutes.",
      },
    }),
  });
  const first = await runBin(["generate-token"], { env: emulatorEnv(emulator) });
  expect(first.code).toBe(1);
  expect(state().rateLimit.pendingUntil(Date.now())).toBeGreaterThan(Date.now() + 9 * 60_000);
  const requests = emulator.log.length;

  const second = await runBin(["generate-token", "--json"], { env: emulatorEnv(emulator) });
  expect(second.code).toBe(1);
  expect(emulator.log).toHaveLength(requests);
  const error = JSON.parse(second.stdout).error;
  expect(error.code).toBe("RATE_LIMITED");
  expect(error.message).toMatch(/no OTP request for this user before \d{4}-\d\d-\d\d \d\d:\d\d IST/);
  expect(second.stderr).toMatch(/no new login before \d{4}-\d\d-\d\d \d\d:\d\d IST/);
});

test("a PIN Upstox refused is not sent again by the next generate-token; a changed PIN clears the record", async () => {
  const wrong = "000000"; // not the demo PIN (123456)
  const first = await runBin(["generate-token"], { env: emulatorEnv(emulator, { UPSTOX_PIN_CODE: wrong }) });
  expect(first.code).toBe(1);
  expect(first.stderr).toContain("WRONG_PIN");
  expect(readFileSync(state().refusedPin.file, "utf8")).not.toContain(wrong);

  const second = await runBin(["generate-token"], { env: emulatorEnv(emulator, { UPSTOX_PIN_CODE: wrong }) });
  expect(second.code).toBe(1);
  expect(second.stderr).toContain("PIN_REFUSED_BEFORE");
  expect(second.stderr).toContain("no process sends it again until it changes");
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("otp-generate")).toHaveLength(1);

  const fixed = await runBin(["generate-token"], { env: emulatorEnv(emulator) });
  expect(fixed.code).toBe(0);
  expect(existsSync(state().refusedPin.file)).toBe(false);
  expect(state().identity.recall()).toBe(DEMO_USER.userId);
});
