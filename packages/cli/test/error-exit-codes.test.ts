import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { runCli } from "../src/index.js";
import { emulatorEnv } from "./support/emulator-env.js";
import { memoryIo } from "./support/memory-io.js";
import { runBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

interface ErrorBody {
  error: { code: string; message: string; hint?: string; upstox_code?: string; exit_code: number };
}

/** Runs generate-token --json in a subprocess and checks the exit code, the stderr lines and the JSON error. */
async function expectFailure(env: Record<string, string>, expected: { code: string; exit: number }) {
  const result = await runBin(["generate-token", "--json"], { env: emulatorEnv(emulator, env) });
  expect({ exit: result.code, stderr: result.stderr }).toMatchObject({ exit: expected.exit });
  expect(result.stderr).toContain(`error [${expected.code}]: `);
  expect(result.stderr).toContain("hint: ");
  const body = JSON.parse(result.stdout) as ErrorBody;
  expect(body.error.code).toBe(expected.code);
  expect(body.error.exit_code).toBe(expected.exit);
  expect(body.error.hint).toBeTruthy();
  return { result, body };
}

test("wrong PIN: exit 1 with a hint, Upstox's code, and exactly one PIN request", async () => {
  const { result, body } = await expectFailure({ UPSTOX_PIN_CODE: "654321" }, { code: "WRONG_PIN", exit: 1 });
  expect(body.error.upstox_code).toBeTruthy();
  expect(result.stderr).toContain(`upstox code: ${body.error.upstox_code}`);
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("token")).toHaveLength(0);
});

test("wrong TOTP secret: exit 1", async () => {
  await expectFailure(
    { UPSTOX_TOTP_SECRET: "KRSXG5CTMVRXEZLUKRSXG5CT", UPSTOX_TOTP_RETRIES: "0" },
    { code: "WRONG_TOTP", exit: 1 },
  );
  expect(emulator.steps("2fa")).toHaveLength(0);
});

test("locked account: exit 1 (five wrong PINs first, one per run from five state folders, never retried)", async () => {
  const locked = { mobile: "9000000001", totpSecret: DEMO_USER.totpSecret, pin: "111111" };
  emulator.addUser({ ...locked, userId: "LOCK01" });
  for (let i = 0; i < 5; i++) {
    // One state folder would send the refused PIN only once (state-folder.test.ts): five machines, here.
    const env = emulatorEnv(emulator, {
      UPSTOX_USERNAME: locked.mobile,
      UPSTOX_PIN_CODE: "222222",
      UPSTOX_STATE_DIR: tempDir(),
    });
    const mem = memoryIo({ env, cwd: tempDir() });
    expect(await runCli(["generate-token"], mem.io)).toBe(1);
  }
  expect(emulator.steps("2fa")).toHaveLength(5);
  await expectFailure(
    { UPSTOX_USERNAME: locked.mobile, UPSTOX_PIN_CODE: locked.pin },
    { code: "ACCOUNT_LOCKED", exit: 1 },
  );
});

test("bad client secret: exit 1", async () => {
  await expectFailure(
    { UPSTOX_CLIENT_SECRET: "not-the-secret" },
    { code: "BAD_CLIENT_CREDENTIALS", exit: 1 },
  );
});

test("redirect URI mismatch: exit 1", async () => {
  await expectFailure(
    { UPSTOX_REDIRECT_URI: "http://127.0.0.1:1/not-registered" },
    { code: "REDIRECT_MISMATCH", exit: 1 },
  );
});

test("rate limit (HTTP 429): exit 1", async () => {
  emulator.inject({ path: "/login/open/v6/auth/1fa/otp/generate", status: 429, body: "Too Many Requests" });
  await expectFailure({}, { code: "RATE_LIMITED", exit: 1 });
});

test("5xx from Upstox: exit 1", async () => {
  emulator.inject({
    path: "/v2/login/authorization/token",
    status: 503,
    body: "<html>Service Unavailable</html>",
  });
  const { body } = await expectFailure({}, { code: "UPSTOX_API", exit: 1 });
  expect(body.error.message).toContain("503");
});

test("timeout: exit 1", async () => {
  emulator.inject({ path: "/v2/login/authorization/dialog", delayMs: 3_000 });
  await expectFailure({ UPSTOX_TIMEOUT_MS: "300" }, { code: "TIMEOUT", exit: 1 });
  // The abandoned request is still being answered: let it land here, not in a later test's request log.
  while (!emulator.log.some((e) => e.step === "dialog")) await Bun.sleep(25);
});

test("malformed body: exit 1", async () => {
  emulator.inject({
    path: "/login/open/v4/auth/1fa/otp-totp/verify",
    status: 200,
    body: "<html>maintenance</html>",
    headers: { "content-type": "text/html" },
  });
  await expectFailure({}, { code: "UNEXPECTED_RESPONSE", exit: 1 });
});

test("bad mobile number: exit 2 naming UPSTOX_USERNAME, before any request", async () => {
  const { result, body } = await expectFailure(
    { UPSTOX_USERNAME: "+91 12345" },
    { code: "CONFIG_INVALID", exit: 2 },
  );
  expect(result.stderr).toContain("UPSTOX_USERNAME must be a 10-digit mobile number");
  expect(body.error.message).toContain("UPSTOX_USERNAME");
  expect(emulator.log).toHaveLength(0);
});

test("several config problems are listed at once", async () => {
  const result = await runBin(["generate-token"], {
    env: emulatorEnv(emulator, { UPSTOX_USERNAME: "12", UPSTOX_PIN_CODE: "12ab", UPSTOX_TIMEOUT_MS: "soon" }),
  });
  expect(result.code).toBe(2);
  for (const name of ["UPSTOX_USERNAME", "UPSTOX_PIN_CODE", "UPSTOX_TIMEOUT_MS"])
    expect(result.stderr).toContain(name);
});

test("a missing credential is a config error (exit 2) naming the variable", async () => {
  const env = emulatorEnv(emulator);
  delete env.UPSTOX_PIN_CODE;
  const result = await runBin(["generate-token"], { env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("UPSTOX_PIN_CODE");
  expect(emulator.log).toHaveLength(0);
});

test("unknown command: exit 2", async () => {
  const result = await runBin(["refresh-token"], { env: emulatorEnv(emulator) });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("error [USAGE]: unknown command 'refresh-token'");
});

test("Upstox unreachable: exit 1 with NETWORK", async () => {
  const result = await runBin(["generate-token"], {
    env: emulatorEnv(emulator, {
      UPSTOX_API_BASE: "http://127.0.0.1:1",
      UPSTOX_SERVICE_BASE: "http://127.0.0.1:1",
    }),
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("error [NETWORK]");
});

test("exchange with an empty code is a usage error (exit 2) and sends nothing to Upstox", async () => {
  for (const code of ["", "   "]) {
    const result = await runBin(["exchange", code], { env: emulatorEnv(emulator) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the authorization code is empty");
    expect(result.stderr).toContain("hint: ");
  }
  expect(emulator.log).toHaveLength(0);
});
