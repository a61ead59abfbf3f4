import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

// Distinctive values, so a match cannot be a coincidence (a port number, a timing).
const USER = {
  mobile: "9123456780",
  pin: "739215",
  totpSecret: "KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD",
  userId: "RED001",
};
const APP = {
  apiKey: "redaction-app-key",
  apiSecret: "s3cr3t-client-Q8zK2v",
  redirectUris: ["http://127.0.0.1:8976/callback"],
};
const SECRETS = {
  pin: USER.pin,
  "base64 PIN": Buffer.from(USER.pin).toString("base64"),
  "TOTP secret": USER.totpSecret,
  "TOTP secret (lower case)": USER.totpSecret.toLowerCase(),
  "client secret": APP.apiSecret,
  "client secret (URL-encoded)": encodeURIComponent(APP.apiSecret),
};

let emulator: Emulator;
let env: Record<string, string>;
beforeAll(async () => {
  emulator = await startEmulator();
  emulator.addUser(USER);
  emulator.addApp(APP);
  env = emulatorEnv(emulator, {
    UPSTOX_USERNAME: USER.mobile,
    UPSTOX_PIN_CODE: USER.pin,
    UPSTOX_TOTP_SECRET: USER.totpSecret,
    UPSTOX_CLIENT_ID: APP.apiKey,
    UPSTOX_CLIENT_SECRET: APP.apiSecret,
    UPSTOX_REDIRECT_URI: APP.redirectUris[0]!,
  });
});
afterAll(() => emulator.close());

function expectNoSecrets(output: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect({ name, leaked: output.includes(value) }).toEqual({ name, leaked: false });
  }
  // No complete access or extended token: masked tokens keep only a short head and tail.
  const jwts = [...output.matchAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g)].map((m) => m[0]);
  expect(jwts).toEqual([]);
}

test("--debug logs every request of a login (method, URL, status, time) and no secret", async () => {
  const dir = tempDir();
  const result = await runBin(["--debug", "generate-token", "--sink", "sqlite:t.db"], { env, cwd: dir });
  expect(result.code).toBe(0);
  const output = result.stdout + result.stderr;
  for (const step of ["dialog", "otp-generate", "otp-verify", "2fa", "oauth-authorize", "token"]) {
    expect(result.stderr).toMatch(
      new RegExp(`(GET|POST) http://127\\.0\\.0\\.1:\\d+/\\S* → \\d{3} \\d+ ms \\(${step}\\)`),
    );
  }
  expectNoSecrets(output);

  // The stored token, used by verify, profile, status and logout, under --debug too.
  for (const args of [
    ["verify", "--sink", "sqlite:t.db"],
    ["profile", "--sink", "sqlite:t.db"],
    ["status", "--sink", "sqlite:t.db"],
    ["logout", "--sink", "sqlite:t.db"],
  ]) {
    const run = await runBin(["--debug", ...args], { env, cwd: dir });
    expect({ args, code: run.code }).toEqual({ args, code: 0 });
    expectNoSecrets(run.stdout + run.stderr);
  }
});

test("--debug on failures (wrong PIN, bad client secret) leaks nothing either", async () => {
  const wrongPin = await runBin(["generate-token", "--debug"], {
    env: { ...env, UPSTOX_PIN_CODE: "406281" },
  });
  expect(wrongPin.code).toBe(1);
  expect(wrongPin.stdout + wrongPin.stderr).not.toContain("406281");
  expect(wrongPin.stdout + wrongPin.stderr).not.toContain(Buffer.from("406281").toString("base64"));
  expectNoSecrets(wrongPin.stdout + wrongPin.stderr);

  const badSecret = await runBin(["generate-token", "--debug"], {
    env: { ...env, UPSTOX_CLIENT_SECRET: "wrong-Zx81secret" },
  });
  expect(badSecret.code).toBe(1);
  expect(badSecret.stdout + badSecret.stderr).not.toContain("wrong-Zx81secret");
  expectNoSecrets(badSecret.stdout + badSecret.stderr);
});

test("UPSTOX_DEBUG=true behaves like --debug", async () => {
  const result = await runBin(["generate-token"], { env: { ...env, UPSTOX_DEBUG: "true" } });
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(/POST \S+ → 200 \d+ ms \(token\)/);
  expectNoSecrets(result.stdout + result.stderr);
});
