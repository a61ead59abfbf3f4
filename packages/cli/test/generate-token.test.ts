import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin } from "./support/run-bin.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

test("generate-token --json prints one JSON object whose token the emulator accepts", async () => {
  const result = await runBin(["generate-token", "--json"], { env: emulatorEnv(emulator) });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(body).toMatchObject({
    user_id: DEMO_USER.userId,
    user_name: "Demo User",
    email: "demo@example.com",
    broker: "UPSTOX",
    is_active: true,
    source: "totp",
    account: "main",
  });
  for (const field of [
    "user_type",
    "exchanges",
    "products",
    "order_types",
    "poa",
    "ddpi",
    "extended_token",
  ]) {
    expect(body).toHaveProperty(field);
  }
  expect(body.issued_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30$/);
  expect(body.expires_at).toMatch(/T03:30:00\.000\+05:30$/);
  const token = String(body.access_token);
  expect(emulator.isTokenValid(token)).toBe(true);
  const profile = await fetch(`${emulator.apiBase}/v2/user/profile`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  expect(profile.status).toBe(200);
  // The headless login: exactly one request per step.
  expect(emulator.steps("2fa")).toHaveLength(1);
  expect(emulator.steps("token")).toHaveLength(1);
});

test("human output masks the token unless --show-token", async () => {
  const masked = await runBin(["generate-token"], { env: emulatorEnv(emulator) });
  expect(masked.code).toBe(0);
  expect(masked.stdout).toContain("Access token generated.");
  expect(masked.stdout).toContain(DEMO_USER.userId);
  expect(masked.stdout).toMatch(/Expires:\s+\d{4}-\d\d-\d\d 03:30 IST \(in /);
  expect(jwtsIn(masked.stdout)).toHaveLength(0);

  const shown = await runBin(["generate-token", "--show-token"], { env: emulatorEnv(emulator) });
  expect(shown.code).toBe(0);
  const full = jwtsIn(shown.stdout);
  expect(full.length).toBeGreaterThan(0);
  expect(emulator.isTokenValid(full[0]!)).toBe(true);
});

test("verify, profile and logout use the token from UPSTOX_ACCESS_TOKEN or --token", async () => {
  const generated = await runBin(["generate-token", "--json"], { env: emulatorEnv(emulator) });
  const token = String((JSON.parse(generated.stdout) as { access_token: string }).access_token);

  const verify = await runBin(["verify", "--json"], {
    env: emulatorEnv(emulator, { UPSTOX_ACCESS_TOKEN: token }),
  });
  expect(verify.code).toBe(0);
  const verified = JSON.parse(verify.stdout) as Record<string, unknown>;
  expect(verified).toMatchObject({
    valid: true,
    user_id: DEMO_USER.userId,
    token_source: "UPSTOX_ACCESS_TOKEN",
  });
  expect(verified.expires_at).toMatch(/T03:30:00\.000\+05:30$/);
  expect(verified.access_token).not.toBe(token);

  const profile = await runBin(["profile", "--token", token], { env: emulatorEnv(emulator) });
  expect(profile.code).toBe(0);
  expect(profile.stdout).toContain("demo@example.com");

  const logout = await runBin(["logout", "--json", "--token", token], { env: emulatorEnv(emulator) });
  expect(logout.code).toBe(0);
  expect(JSON.parse(logout.stdout)).toEqual({ revoked: true, token_source: "--token" });
  expect(emulator.isTokenValid(token)).toBe(false);

  const again = await runBin(["verify", "--token", token], { env: emulatorEnv(emulator) });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("error [INVALID_TOKEN]");
  expect(again.stderr).toContain("hint:");

  const twice = await runBin(["logout", "--token", token], { env: emulatorEnv(emulator) });
  expect(twice.code).toBe(0);
  expect(twice.stdout).toContain("already invalid");
});

test("verify without any token source is a usage error", async () => {
  const result = await runBin(["verify"], { env: emulatorEnv(emulator) });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("error [USAGE]: no access token given");
  expect(emulator.log).toHaveLength(0);
});

test("auth-url prints the dialog URL with the state", async () => {
  const result = await runBin(["auth-url", "--state", "xyz"], { env: emulatorEnv(emulator) });
  expect(result.code).toBe(0);
  const url = new URL(result.stdout.trim());
  expect(url.pathname).toBe("/v2/login/authorization/dialog");
  expect(url.searchParams.get("state")).toBe("xyz");
  expect(url.searchParams.get("response_type")).toBe("code");
});

/** Every complete JWT in a text. */
function jwtsIn(text: string): string[] {
  return [...text.matchAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g)].map((m) => m[0]);
}
