import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CONFIG_VARIABLES,
  ConfigError,
  describeConfig,
  loadConfig,
  requireCredentials,
  Secret,
} from "../src/index.js";
import { captureLogger } from "./helpers.js";

const FULL_ENV = {
  UPSTOX_USERNAME: "9876543210",
  UPSTOX_PIN_CODE: "123456",
  UPSTOX_TOTP_SECRET: "jbsw y3dp ehpk 3pxp",
  UPSTOX_CLIENT_ID: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  UPSTOX_CLIENT_SECRET: "demo-secret-5f2b9c",
  UPSTOX_REDIRECT_URI: "http://127.0.0.1:8976/callback",
};

const dir = mkdtempSync(join(tmpdir(), "core-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("reads the upstox-totp variables, with defaults", () => {
    const config = loadConfig({ env: FULL_ENV, envFile: false });
    expect(config.mobile).toBe("9876543210");
    expect(config.pin).toBeInstanceOf(Secret);
    expect(config.pin?.reveal()).toBe("123456");
    expect(config.totpSecret?.reveal()).toBe("JBSWY3DPEHPK3PXP");
    expect(config.clientSecret).toBeInstanceOf(Secret);
    expect(config.sleepMs).toBe(0);
    expect(config.timeoutMs).toBe(15_000);
    expect(config.debug).toBe(false);
    expect(config.apiBase).toBe("https://api.upstox.com");
    expect(config.serviceBase).toBe("https://service.upstox.com");
    expect(config.endpointProfile.name).toBe("default");
    expect(config.endpointProfile.paths.twoFa).toBe("/login/open/v3/auth/2fa");
  });

  test("a .env file is read without touching process.env, and the real environment wins", () => {
    const file = join(dir, "a.env");
    writeFileSync(
      file,
      `UPSTOX_USERNAME=9999999999\nUPSTOX_PIN_CODE="654321"\nUPSTOX_DEBUG=true\nUPSTOX_SLEEP_TIME=250\nUPSTOX_CORE_TEST_MARKER=1\n`,
    );
    const config = loadConfig({ env: { UPSTOX_USERNAME: "9876543210" }, envFile: file });
    expect(config.mobile).toBe("9876543210");
    expect(config.pin?.reveal()).toBe("654321");
    expect(config.debug).toBe(true);
    expect(config.sleepMs).toBe(250);
    expect(process.env.UPSTOX_CORE_TEST_MARKER).toBeUndefined();
  });

  test("a named .env file that does not exist is a ConfigError", () => {
    const error = configErrorOf(() => loadConfig({ env: {}, envFile: join(dir, "missing.env") }));
    expect(error.file).toContain("missing.env");
  });

  test("overrides win over the environment; Secrets are accepted as they are", () => {
    const config = loadConfig({
      env: FULL_ENV,
      envFile: false,
      overrides: { pin: new Secret("111111"), sleepMs: 5, endpointProfile: "2026-09" },
    });
    expect(config.pin?.reveal()).toBe("111111");
    expect(config.sleepMs).toBe(5);
    expect(config.endpointProfile.paths.verifyOtp).toBe("/login/open/v5/auth/1fa/otp-totp/verify");
    expect(config.endpointProfile.extraBody.generateOtp).toEqual({ countryIsdCode: "+91" });
  });

  test("a 10-digit number that is not an Indian mobile number is refused with the rule", () => {
    const error = configErrorOf(() => loadConfig({ env: { UPSTOX_USERNAME: "1234567890" }, envFile: false }));
    expect(error.problems.map((p) => p.field)).toEqual(["UPSTOX_USERNAME"]);
    expect(error.message).toContain("starting with 6, 7, 8 or 9");
    expect(loadConfig({ env: { UPSTOX_USERNAME: "6123456789" }, envFile: false }).mobile).toBe("6123456789");
  });

  test("every problem is reported at once, each naming its variable", () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          UPSTOX_USERNAME: "+91987654321",
          UPSTOX_PIN_CODE: "12345",
          UPSTOX_TOTP_SECRET: "not-base32!",
          UPSTOX_REDIRECT_URI: "/callback",
          UPSTOX_SLEEP_TIME: "soon",
          UPSTOX_ENDPOINT_PROFILE: "2019",
        },
        envFile: false,
      }),
    );
    const fields = error.problems.map((p) => p.field).sort();
    expect(fields).toEqual([
      "UPSTOX_ENDPOINT_PROFILE",
      "UPSTOX_PIN_CODE",
      "UPSTOX_REDIRECT_URI",
      "UPSTOX_SLEEP_TIME",
      "UPSTOX_TOTP_SECRET",
      "UPSTOX_USERNAME",
    ]);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("UPSTOX_USERNAME must be a 10-digit mobile number without +91");
    expect(error.message).toContain("absolute http(s) URL");
    expect(error.field).toBeDefined();
    // The bad values themselves (one of them a PIN) are not echoed.
    expect(error.message).not.toContain("12345");
  });

  test("a malformed number or boolean names the form expected, not just 'Invalid input'", () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: { UPSTOX_TIMEOUT_MS: "abc", UPSTOX_SLEEP_TIME: "x", UPSTOX_DEBUG: "maybe" },
        envFile: false,
      }),
    );
    const byField = Object.fromEntries(error.problems.map((p) => [p.field, p.message]));
    expect(byField).toEqual({
      UPSTOX_DEBUG:
        "UPSTOX_DEBUG must be true or false (also 1/0, yes/no, on/off) (value from the environment)",
      UPSTOX_SLEEP_TIME:
        "UPSTOX_SLEEP_TIME must be a whole number of milliseconds (0 or more), e.g. 250 (value from the environment)",
      UPSTOX_TIMEOUT_MS:
        "UPSTOX_TIMEOUT_MS must be a whole number of milliseconds, at least 100, e.g. 15000 (value from the environment)",
    });
    expect(error.message).not.toContain("Invalid input");
  });

  test("a single problem names its field", () => {
    const error = configErrorOf(() => loadConfig({ env: { UPSTOX_USERNAME: "98765" }, envFile: false }));
    expect(error.field).toBe("UPSTOX_USERNAME");
    expect(error.message).toBe(
      "UPSTOX_USERNAME must be a 10-digit mobile number without +91 (value from the environment)",
    );
  });

  test("UPSTOX_PASSWORD is accepted and ignored with one warning", () => {
    const logger = captureLogger();
    loadConfig({ env: { ...FULL_ENV, UPSTOX_PASSWORD: "hunter2" }, envFile: false, logger });
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("no password step");
    expect(logger.text()).not.toContain("hunter2");
  });

  test("the endpoint profile can be overridden piecewise, validated", () => {
    const config = loadConfig({
      env: { ...FULL_ENV, UPSTOX_APP_VERSION: "8.0.0" },
      envFile: false,
      overrides: {
        endpoints: { paths: { twoFa: "/login/open/v6/auth/2fa" }, extraHeaders: { "x-extra": "1" } },
      },
    });
    expect(config.endpointProfile.paths.twoFa).toBe("/login/open/v6/auth/2fa");
    expect(config.endpointProfile.paths.verifyOtp).toBe("/login/open/v4/auth/1fa/otp-totp/verify");
    expect(config.endpointProfile.appVersion).toBe("8.0.0");
    expect(config.endpointProfile.extraHeaders).toEqual({ "x-extra": "1" });

    const error = configErrorOf(() =>
      loadConfig({
        env: FULL_ENV,
        envFile: false,
        overrides: { endpoints: { paths: { twoFa: "no-slash" } } },
      }),
    );
    expect(error.field).toBe("endpoints.paths.twoFa");
  });
});

describe("requireCredentials", () => {
  test("names every missing variable for the flow", () => {
    const config = loadConfig({ env: { UPSTOX_CLIENT_ID: "abc" }, envFile: false });
    const error = configErrorOf(() =>
      requireCredentials(config, ["clientId", "clientSecret", "redirectUri"], "the token exchange"),
    );
    expect(error.problems.map((p) => p.field)).toEqual(["UPSTOX_CLIENT_SECRET", "UPSTOX_REDIRECT_URI"]);
    expect(error.message).toContain("required for the token exchange");
  });
});

describe("describeConfig", () => {
  test("shows what is set without revealing a secret", () => {
    const entries = describeConfig(loadConfig({ env: FULL_ENV, envFile: false }));
    const text = JSON.stringify(entries);
    for (const secret of ["123456", "JBSWY3DPEHPK3PXP", "demo-secret-5f2b9c", "9876543210"]) {
      expect(text).not.toContain(secret);
    }
    const byName = Object.fromEntries(entries.map((e) => [e.variable, e]));
    expect(byName.UPSTOX_PIN_CODE?.display).toBe("***");
    expect(byName.UPSTOX_USERNAME?.display).toBe("98******10");
    expect(byName.UPSTOX_CLIENT_ID?.display).toBe(FULL_ENV.UPSTOX_CLIENT_ID);
  });

  test("every described variable is documented in CONFIG_VARIABLES", () => {
    const names = new Set(CONFIG_VARIABLES.map((v) => v.name));
    for (const entry of describeConfig(loadConfig({ env: {}, envFile: false }))) {
      expect(names.has(entry.variable)).toBe(true);
      expect(entry.description.length).toBeGreaterThan(5);
    }
  });
});

describe("README", () => {
  test("documents every variable loadConfig reads", async () => {
    const readme = await Bun.file(new URL("../README.md", import.meta.url)).text();
    for (const v of CONFIG_VARIABLES) expect(readme).toContain(`\`${v.name}\``);
  });

  test("the root README's configuration table lists every variable too", async () => {
    const readme = await Bun.file(new URL("../../../README.md", import.meta.url)).text();
    const rows = readme.split("\n").filter((line) => line.startsWith("| `UPSTOX_"));
    for (const v of CONFIG_VARIABLES)
      expect(rows.some((row) => row.startsWith(`| \`${v.name}\``))).toBe(true);
  });
});

describe("credentials schema (shared by the daemon's config file)", () => {
  test("requiredFor names what each flow needs; credentialProblems reports missing and doubled values", async () => {
    const { credentialProblems, credentialsSchema, requiredFor } = await import("../src/index.js");
    expect(requiredFor("token-request")).toEqual(["clientId", ["clientSecret", "clientSecretFile"]]);
    expect(requiredFor("totp")).toContain("mobile");
    expect(
      credentialProblems({ clientId: "x", pin: "1", pinFile: "/p" }, "totp").map((p) => p.field),
    ).toEqual(["mobile", "pinFile", "totpSecret", "clientSecret", "redirectUri"]);
    const base = { clientId: "id", redirectUri: "http://127.0.0.1:8976/callback" };
    expect(credentialsSchema.safeParse({ ...base, mobile: "5876543210" }).success).toBe(false);
    expect(credentialsSchema.safeParse({ ...base, mobile: "9876543210", ucc: "AB1234" }).success).toBe(true);
    expect(credentialsSchema.safeParse({ ...base, endpointProfile: "./profiles/mine.json" }).success).toBe(
      true,
    );
  });
});

describe("a bad value names its variable and where it came from (issue 19)", () => {
  test("a PIN with a trailing comment from the environment", () => {
    let message = "";
    try {
      loadConfig({ env: { UPSTOX_PIN_CODE: "123456 # my pin" }, envFile: false });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("UPSTOX_PIN_CODE");
    expect(message).toContain("from the environment");
    expect(message).toContain("comment");
    expect(message).not.toContain("123456");
  });

  test("a quoted PIN with a comment inside, from the .env file, names the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "core-origin-"));
    const file = join(dir, ".env");
    writeFileSync(file, 'UPSTOX_PIN_CODE="123456 # mine"\n');
    let message = "";
    try {
      loadConfig({ env: {}, envFile: file });
    } catch (error) {
      message = (error as Error).message;
    }
    rmSync(dir, { recursive: true, force: true });
    expect(message).toContain("UPSTOX_PIN_CODE");
    expect(message).toContain(`value from the env file ${file}`);
    expect(message).toContain("comment");
    expect(message).not.toContain("123456");
  });
});
