import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Secret, totpNow } from "@upstox-token/core";
import { runBin, tempDir } from "./support/run-bin.js";

const FULL_ENV = {
  UPSTOX_USERNAME: "9876543210",
  UPSTOX_PIN_CODE: "123456",
  UPSTOX_TOTP_SECRET: "JBSWY3DPEHPK3PXP",
  UPSTOX_CLIENT_ID: "my-client-id",
  UPSTOX_CLIENT_SECRET: "very-secret-value",
  UPSTOX_REDIRECT_URI: "http://127.0.0.1:8976/callback",
};

test("check-env lists every variable with secrets masked and exits 0 when complete", async () => {
  const result = await runBin(["check-env"], { env: FULL_ENV });
  expect(result.code).toBe(0);
  for (const name of Object.keys(FULL_ENV)) expect(result.stdout).toContain(name);
  expect(result.stdout).toContain("UPSTOX_DEBUG");
  expect(result.stdout).toContain("my-client-id");
  expect(result.stdout).toContain("98******10");
  for (const secret of ["123456", "JBSWY3DPEHPK3PXP", "very-secret-value", "9876543210"]) {
    expect(result.stdout + result.stderr).not.toContain(secret);
  }
});

test("check-env shows an unset variable's default as a value, never '(default default)'", async () => {
  const result = await runBin(["check-env", "--no-color"], { env: FULL_ENV });
  expect(result.stdout).not.toContain("(default default)");
  expect(result.stdout).toMatch(/UPSTOX_ENDPOINT_PROFILE\s+default \(default\)\n/);
  expect(result.stdout).toMatch(/UPSTOX_TIMEOUT_MS\s+15000 \(default\)\n/);
});

test("check-env lists UPSTOX_STATE_DIR with the folder in use, and never says '(the default; not set) (optional)'", async () => {
  const result = await runBin(["check-env", "--no-color"], {
    // The default folder: no UPSTOX_STATE_DIR (the test preload sets one for every test; empty is unset).
    env: { ...FULL_ENV, XDG_STATE_HOME: "/tmp/xdg-state-probe", UPSTOX_STATE_DIR: "" },
  });
  expect(result.stdout).toMatch(/UPSTOX_STATE_DIR\s+\/tmp\/xdg-state-probe\/upstox-token \(default\)/);
  expect(result.stdout).not.toContain("(the default; not set)");
  expect(result.stdout).not.toContain(") (optional)");
  expect(result.stdout).toMatch(/UPSTOX_UCC\s+\(not set; optional\)/);
  const set = await runBin(["check-env", "--no-color"], {
    env: { ...FULL_ENV, UPSTOX_STATE_DIR: "/srv/state" },
  });
  expect(set.stdout).toMatch(/UPSTOX_STATE_DIR\s+\/srv\/state\n/);
});

test("check-env: a missing variable exits 2 and is named", async () => {
  const { UPSTOX_PIN_CODE: _, ...env } = FULL_ENV;
  const result = await runBin(["check-env"], { env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("error [CONFIG_INVALID]: UPSTOX_PIN_CODE is required for the totp flow");
});

test("check-env --for exchange needs only the app's variables; --json shape", async () => {
  const result = await runBin(["check-env", "--for", "exchange", "--json"], {
    env: {
      UPSTOX_CLIENT_ID: FULL_ENV.UPSTOX_CLIENT_ID,
      UPSTOX_CLIENT_SECRET: FULL_ENV.UPSTOX_CLIENT_SECRET,
      UPSTOX_REDIRECT_URI: FULL_ENV.UPSTOX_REDIRECT_URI,
    },
  });
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as {
    ok: boolean;
    variables: { name: string; value: string; required: boolean; set: boolean }[];
  };
  expect(body.ok).toBe(true);
  const secret = body.variables.find((v) => v.name === "UPSTOX_CLIENT_SECRET");
  expect(secret).toMatchObject({ value: "***", required: true, set: true });
  expect(body.variables.find((v) => v.name === "UPSTOX_PIN_CODE")).toMatchObject({
    required: false,
    set: false,
  });
});

test("check-env reads ./.env by default and --env-file on request; the environment wins", async () => {
  const dir = tempDir();
  const lines = Object.entries(FULL_ENV).map(([k, v]) => `${k}=${v}`);
  writeFileSync(join(dir, ".env"), `${lines.join("\n")}\n`);
  const fromDotEnv = await runBin(["check-env"], { cwd: dir });
  expect(fromDotEnv.code).toBe(0);
  expect(fromDotEnv.stdout).toContain(join(dir, ".env"));

  writeFileSync(join(dir, "other.env"), "UPSTOX_CLIENT_ID=from-other-file\n");
  const other = await runBin(["check-env", "--env-file", "other.env"], { cwd: dir });
  expect(other.code).toBe(2);
  expect(other.stdout).toContain("from-other-file");

  const envWins = await runBin(["check-env"], { cwd: dir, env: { UPSTOX_CLIENT_ID: "from-env" } });
  expect(envWins.stdout).toContain("from-env");
});

test("check-env: an invalid value exits 2 and shows the fix", async () => {
  const result = await runBin(["check-env"], { env: { ...FULL_ENV, UPSTOX_TOTP_SECRET: "not base32!" } });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("UPSTOX_TOTP_SECRET is not base32");
  expect(result.stdout + result.stderr).not.toContain("not base32!");
});

test("totp prints the current code and the seconds left", async () => {
  const result = await runBin(["totp", "--json"], { env: { UPSTOX_TOTP_SECRET: "jbsw y3dp ehpk 3pxp" } });
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { code: string; seconds_left: number };
  const now = Date.now();
  const expected = [now - 30_000, now, now + 30_000].map(
    (t) => totpNow(new Secret("JBSWY3DPEHPK3PXP"), t).code,
  );
  expect(expected).toContain(body.code);
  expect(body.seconds_left).toBeGreaterThanOrEqual(1);
  expect(body.seconds_left).toBeLessThanOrEqual(30);

  const human = await runBin(["totp"], { env: { UPSTOX_TOTP_SECRET: "JBSWY3DPEHPK3PXP" } });
  expect(human.stdout).toMatch(/^\d{6} {2}valid for \d+s more\n$/);
});

test("totp without a secret: exit 2 naming UPSTOX_TOTP_SECRET", async () => {
  const result = await runBin(["totp"]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("UPSTOX_TOTP_SECRET");
});
