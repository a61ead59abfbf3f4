import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import { jsonErrorPosition } from "../src/config/json-error-position.js";
import { configJsonSchemaText } from "../src/config/json-schema.js";
import { loadConfigFile } from "../src/config/load-config.js";
import { memoryLogger, tempDir, writeConfig } from "./support/helpers.js";

const credentials = {
  mobile: DEMO_USER.mobile,
  pin: `\${TEST_PIN}`,
  totpSecret: `\${TEST_TOTP}`,
  clientId: DEMO_APP.apiKey,
  clientSecret: `\${TEST_CLIENT_SECRET}`,
  redirectUri: DEMO_APP.redirectUri,
};
const env = {
  TEST_PIN: DEMO_USER.pin,
  TEST_TOTP: DEMO_USER.totpSecret,
  TEST_CLIENT_SECRET: DEMO_APP.apiSecret,
};
const sinks = [{ use: "env", options: { path: ".env" } }];

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function dir(): string {
  const t = tempDir("daemon-config-");
  cleanups.push(t.cleanup);
  return t.dir;
}

async function loadError(config: unknown, options: { env?: Record<string, string>; name?: string } = {}) {
  const d = dir();
  const file = writeConfig(d, config, options.name);
  try {
    await loadConfigFile({ path: file, env: options.env ?? env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { error: error as ConfigError, file };
  }
  throw new Error("expected a ConfigError");
}

describe("config file", () => {
  test(`JSON: defaults, \${ENV} interpolation, schedule and lock defaults`, async () => {
    const d = dir();
    const file = writeConfig(d, { accounts: [{ name: "main", credentials }], sinks });
    const config = await loadConfigFile({ path: file, env });
    expect(config.file).toBe(file);
    expect(config.baseDir).toBe(d);
    expect(config.concurrency).toBe(4);
    expect(config.lock).toEqual({ use: "file" });
    expect(config.marginMs).toBe(600_000);
    const [account] = config.accounts;
    expect(account?.flow).toBe("totp");
    expect(account?.schedule).toEqual({ cron: "35 3 * * *", timezone: "Asia/Kolkata", jitterMaxMs: 120_000 });
    expect(account?.upstox.pin?.reveal()).toBe(DEMO_USER.pin);
    expect(account?.upstox.mobile).toBe(DEMO_USER.mobile);
    expect(String(account?.upstox.pin)).toBe("***");
  });

  test("found in the working directory; YAML and *File secrets relative to the file", async () => {
    const d = dir();
    writeFileSync(join(d, "pin.txt"), `${DEMO_USER.pin}\n`);
    writeConfig(
      d,
      [
        "accounts:",
        "  - name: main",
        "    credentials:",
        `      mobile: "${DEMO_USER.mobile}"`,
        "      pinFile: pin.txt",
        `      totpSecret: \${TEST_TOTP}`,
        `      clientId: ${DEMO_APP.apiKey}`,
        `      clientSecret: \${TEST_CLIENT_SECRET}`,
        `      redirectUri: ${DEMO_APP.redirectUri}`,
        "    schedule: '0 4 * * 1-5'",
        "sinks:",
        "  - use: sqlite",
        "    options: { path: tokens.db }",
      ].join("\n"),
      "upstox-token.config.yaml",
    );
    const config = await loadConfigFile({ cwd: d, env });
    expect(config.accounts[0]?.upstox.pin?.reveal()).toBe(DEMO_USER.pin);
    expect(config.accounts[0]?.schedule.cron).toBe("0 4 * * 1-5");
  });

  test(".ts config with defineConfig", async () => {
    const d = dir();
    const indexPath = join(import.meta.dir, "..", "src", "index.ts");
    writeConfig(
      d,
      `import { defineConfig } from ${JSON.stringify(indexPath)};
export default defineConfig({
  accounts: [{ name: "ts-account", credentials: ${JSON.stringify(credentials)} }],
  sinks: ${JSON.stringify(sinks)},
  concurrency: 2,
});
`,
      "upstox-token.config.ts",
    );
    const config = await loadConfigFile({ cwd: d, env });
    expect(config.accounts[0]?.name).toBe("ts-account");
    expect(config.concurrency).toBe(2);
  });

  test("a missing environment variable names the variable, the field and the file", async () => {
    const { error, file } = await loadError(
      { accounts: [{ name: "main", credentials }], sinks },
      { env: { TEST_TOTP: env.TEST_TOTP, TEST_CLIENT_SECRET: env.TEST_CLIENT_SECRET } },
    );
    expect(error.file).toBe(file);
    expect(error.field).toBe("accounts[0].credentials.pin");
    expect(error.message).toContain(file);
    expect(error.message).toContain("TEST_PIN is not set");
  });

  test("an unreadable pinFile names the field and the file", async () => {
    const { error } = await loadError({
      accounts: [
        { name: "main", credentials: { ...credentials, pin: undefined, pinFile: "/nonexistent/pin" } },
      ],
      sinks,
    });
    expect(error.field).toBe("accounts[0].credentials.pinFile");
    expect(error.message).toContain("/nonexistent/pin");
    expect(error.message).toContain("ENOENT");
  });

  test("malformed JSON names the file, the line and the column", async () => {
    const { error, file } = await loadError('{ "accounts": [ }\n');
    expect(error.message).toContain(file);
    expect(error.message).toContain('not valid JSON at line 1, column 17 (found "}")');
    const trailing = await loadError('{\n  "accounts": [\n    { "name": "x", }\n  ]\n}\n');
    expect(trailing.error.message).toContain('not valid JSON at line 3, column 20 (found "}")');
    const cut = await loadError('{\n  "accounts": [\n');
    expect(cut.error.message).toContain("not valid JSON at line 3, column 1 (found the end of the file)");
  });

  test("the JSON error position: valid JSON has none, and every kind of mistake has one", () => {
    expect(jsonErrorPosition('{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"], "b": {}}')).toBeNull();
    const at = (text: string) => {
      const p = jsonErrorPosition(text);
      return p && [p.line, p.column];
    };
    expect(at("{'a': 1}")).toEqual([1, 2]);
    expect(at('{"a": 01}')).toEqual([1, 8]);
    expect(at('{"a": tru}')).toEqual([1, 7]);
    expect(at('{"a": "x\\q"}')).toEqual([1, 9]);
    expect(at('{"a": 1} x')).toEqual([1, 10]);
    expect(at("[1,\n2,\n]")).toEqual([3, 1]);
    expect(at('{"a": "line\nbreak"}')).toEqual([1, 12]);
  });

  test("a JSON config saved with a UTF-8 byte-order mark is read", async () => {
    const d = dir();
    const file = join(d, "upstox-token.config.json");
    const config = { accounts: [{ name: "main", credentials }], sinks };
    writeFileSync(file, `\uFEFF${JSON.stringify(config, null, 2)}\n`);
    const loaded = await loadConfigFile({ path: file, env });
    expect(loaded.accounts.map((a) => a.name)).toEqual(["main"]);
  });

  test("a YAML syntax error ends with its position, not a dangling colon", async () => {
    const d = dir();
    const file = join(d, "upstox-token.config.yaml");
    writeFileSync(file, "accounts:\n  - name: main\n    credentials: { mobile: 1\nsinks: []\n");
    const error = await loadConfigFile({ path: file, env }).catch((e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain("not valid YAML");
    expect(message).toMatch(/at line \d+, column \d+$/m);
    expect(message).not.toMatch(/column \d+:/);
  });

  test("bad fields: each problem names its path and the fix, all at once", async () => {
    const { error } = await loadError({
      accounts: [
        { name: "main", credentials: { ...credentials, mobile: "+91 98765" }, colour: "red" },
        { name: "main", flow: "sms", credentials },
      ],
      sinks: [{ use: "env", options: { path: ".env", accountPrefix: true } }],
      schedule: { cron: "61 3 * * *" },
      lock: { use: "zookeeper" },
    });
    const fields = error.problems.map((p) => p.field);
    expect(fields).toContain("accounts[0]");
    expect(fields).toContain("accounts[1].flow");
    expect(fields).toContain("lock.use");
    const text = error.message;
    expect(text).toContain('unknown key "colour"');
    expect(text).toContain('must be "totp", "token-request" or "browser"');
  });

  test("semantic checks after the schema: mobile format, duplicate names, bad cron, shared .env", async () => {
    const { error } = await loadError({
      accounts: [
        { name: "a", credentials: { ...credentials, mobile: "12345" } },
        { name: "a", credentials, schedule: { cron: "61 3 * * *" } },
      ],
      sinks,
    });
    const text = error.message;
    expect(text).toContain("accounts[0].credentials.mobile: must be the 10-digit Indian mobile number");
    expect(text).toContain('accounts[1].name: duplicates accounts[0].name "a"');
  });

  test("a mobile number starting with 5 is refused with core's rule, naming the field", async () => {
    const { error } = await loadError({
      accounts: [{ name: "a", credentials: { ...credentials, mobile: "5876543210" } }],
      sinks,
    });
    expect(error.message).toContain(
      "accounts[0].credentials.mobile: must be the 10-digit Indian mobile number without +91, starting with 6, 7, 8 or 9",
    );
  });

  test("cron, time zone and TOTP secret are checked before anything runs", async () => {
    const { error } = await loadError({
      accounts: [
        {
          name: "a",
          credentials: { ...credentials, totpSecret: "not base32!" },
          schedule: { timezone: "Mars/Base" },
        },
        { name: "b", credentials, schedule: "61 3 * * *" },
      ],
      sinks: [{ use: "env", options: { path: ".env" } }],
    });
    const text = error.message;
    expect(text).toContain("accounts[0].credentials.totpSecret");
    expect(text).not.toContain("UPSTOX_TOTP_SECRET");
    expect(text).toContain('accounts[0].schedule.timezone: "Mars/Base" is not a time zone');
    expect(text).toContain("accounts[1].schedule.cron");
    expect(text).toContain("sinks[0].options.accountPrefix");
  });

  test("a flow's required credentials are named", async () => {
    const { error } = await loadError({
      accounts: [{ name: "a", credentials: { ...credentials, pin: undefined, clientSecret: undefined } }],
      sinks,
    });
    expect(error.problems.map((p) => p.field)).toEqual([
      "accounts[0].credentials.pin",
      "accounts[0].credentials.clientSecret",
    ]);
  });

  test("clear-text secrets in a group/world-readable file: a warning naming the field, never the value", async () => {
    const d = dir();
    const file = writeConfig(d, {
      accounts: [{ name: "main", credentials: { ...credentials, pin: DEMO_USER.pin } }],
      sinks,
    });
    chmodSync(file, 0o644);
    const logger = memoryLogger();
    const config = await loadConfigFile({ path: file, env, logger });
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toContain("accounts[0].credentials.pin is written in clear text");
    expect(JSON.stringify(logger.lines)).not.toContain(DEMO_USER.pin);
    chmodSync(file, 0o600);
    expect((await loadConfigFile({ path: file, env })).warnings).toHaveLength(0);
  });

  test("the shipped JSON Schema is up to date (bun run schema)", () => {
    const shipped = readFileSync(join(import.meta.dir, "..", "upstox-token.config.schema.json"), "utf8");
    expect(shipped).toBe(configJsonSchemaText());
    const schema = JSON.parse(shipped) as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toContain("accounts");
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["accounts", "sinks", "schedule", "lock", "concurrency", "pace", "retry"]),
    );
  });
});
