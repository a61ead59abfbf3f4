import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { readEnvironment, Secret } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import { checkCredentials, credentialProblem } from "../src/init/credential-validation.js";
import { updateEnvFile } from "../src/init/env-file-update.js";
import {
  appendGitignoreLines,
  findGitRoot,
  missingGitignoreLines,
  updateGitignore,
} from "../src/init/gitignore-update.js";
import type { InitAnswers } from "../src/init/init-answers.js";
import {
  daemonConfigFor,
  envValuesFor,
  gitignoreEntriesFor,
  renderDaemonConfig,
} from "../src/init/setup-files.js";
import { parseSinkChoice, pathInside, redactPasswords, sinkTargetCheck } from "../src/init/sink-choice.js";
import { tempDir } from "./support/run-bin.js";

function demoAnswers(overrides: Partial<InitAnswers> = {}): InitAnswers {
  return {
    flow: "totp",
    account: "main",
    dir: "/srv/app",
    credentials: {
      mobile: DEMO_USER.mobile,
      pin: new Secret(DEMO_USER.pin),
      totpSecret: new Secret(DEMO_USER.totpSecret),
      clientId: DEMO_APP.apiKey,
      clientSecret: new Secret(DEMO_APP.apiSecret),
      redirectUri: DEMO_APP.redirectUri,
    },
    sinks: [
      { kind: "env", target: ".env" },
      { kind: "sqlite", target: "upstox-tokens.db" },
    ],
    ...overrides,
  };
}

function gitInit(dir: string): void {
  execFileSync("git", ["init", "-q", dir], { stdio: "ignore" });
}

describe("credential validation (core's rules, mapped)", () => {
  test("accepts the demo credentials", () => {
    expect(credentialProblem("mobile", DEMO_USER.mobile)).toBeUndefined();
    expect(credentialProblem("pin", DEMO_USER.pin)).toBeUndefined();
    expect(credentialProblem("totpSecret", DEMO_USER.totpSecret)).toBeUndefined();
    expect(credentialProblem("redirectUri", DEMO_APP.redirectUri)).toBeUndefined();
    expect(credentialProblem("clientId", DEMO_APP.apiKey)).toBeUndefined();
  });

  test("explains what is wrong, naming the variable", () => {
    expect(credentialProblem("mobile", "98765")).toContain("10-digit mobile number without +91");
    expect(credentialProblem("mobile", "+919876543210")).toBeUndefined(); // +91 is dropped (issue 19)
    expect(credentialProblem("mobile", "+91987654321")).toContain("UPSTOX_USERNAME");
    expect(credentialProblem("pin", "12345")).toContain("6-digit");
    expect(credentialProblem("totpSecret", "not base32!")).toContain("base32");
    expect(credentialProblem("totpSecret", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP")).toContain(
      "otpauth://totp",
    );
    expect(credentialProblem("redirectUri", "/callback")).toContain("absolute http(s) URL");
    expect(credentialProblem("clientSecret", "  ")).toBe("UPSTOX_CLIENT_SECRET is required");
  });

  test("normalises: spaces in the mobile, an otpauth:// URI or spaced lower-case key to bare base32", () => {
    const checked = checkCredentials("totp", {
      mobile: "98765 43210",
      pin: DEMO_USER.pin,
      totpSecret: `otpauth://totp/Upstox:${DEMO_USER.mobile}?secret=jbsw%20y3dp%20ehpk%203pxp&issuer=Upstox`,
      clientId: ` ${DEMO_APP.apiKey} `,
      clientSecret: DEMO_APP.apiSecret,
      redirectUri: DEMO_APP.redirectUri,
    });
    expect(checked.problems).toEqual([]);
    expect(checked.credentials?.mobile).toBe(DEMO_USER.mobile);
    expect(checked.credentials?.totpSecret?.reveal()).toBe(DEMO_USER.totpSecret);
    expect(checked.credentials?.clientId).toBe(DEMO_APP.apiKey);
  });

  test("lists every problem at once; the browser flow needs no login credentials", () => {
    const checked = checkCredentials("totp", { mobile: "1", pin: "x", clientId: "k" });
    expect(checked.credentials).toBeUndefined();
    expect(checked.problems.map((p) => p.field).sort()).toEqual(["UPSTOX_PIN_CODE", "UPSTOX_USERNAME"]);
    const browser = checkCredentials("browser", {
      clientId: DEMO_APP.apiKey,
      clientSecret: DEMO_APP.apiSecret,
      redirectUri: DEMO_APP.redirectUri,
    });
    expect(browser.problems).toEqual([]);
    expect(browser.credentials?.pin).toBeUndefined();
  });
});

describe("sink choices", () => {
  test("the --sink shorthand, with defaults", () => {
    expect(parseSinkChoice("env")).toEqual({ kind: "env", target: ".env" });
    expect(parseSinkChoice("sqlite")).toEqual({ kind: "sqlite", target: "upstox-tokens.db" });
    expect(parseSinkChoice("sqlite:data/t.db")).toEqual({ kind: "sqlite", target: "data/t.db" });
    expect(parseSinkChoice("redis:redis://h:6380/2")).toEqual({ kind: "redis", target: "redis://h:6380/2" });
    expect(parseSinkChoice("./my-sink.ts")).toHaveProperty("error");
    expect(parseSinkChoice("env:")).toHaveProperty("error");
  });

  test("targets are checked by the sink's own options schema", async () => {
    const redis = await sinkTargetCheck("redis");
    expect(redis("127.0.0.1:6379")).toEqual({ target: "redis://127.0.0.1:6379" });
    expect(redis("redis:///0")).toHaveProperty("error");
    const sqlite = await sinkTargetCheck("sqlite");
    expect(sqlite("t.db")).toEqual({ target: "t.db" });
    expect(sqlite(" ")).toHaveProperty("error");
  });

  test("paths inside the folder; passwords hidden in messages", () => {
    expect(pathInside("/srv/app", "data/t.db")).toBe("data/t.db");
    expect(pathInside("/srv/app", "/srv/app/.env")).toBe(".env");
    expect(pathInside("/srv/app", "../other/.env")).toBeUndefined();
    expect(redactPasswords("--sink redis:redis://user:s3cret@h:6379")).toBe(
      "--sink redis:redis://user:***@h:6379",
    );
  });
});

describe("what init writes", () => {
  test(".env values: the credentials, normalised, only UPSTOX_* keys", () => {
    expect(Object.fromEntries(envValuesFor(demoAnswers()))).toEqual({
      UPSTOX_USERNAME: DEMO_USER.mobile,
      UPSTOX_PIN_CODE: DEMO_USER.pin,
      UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
      UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
      UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
      UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
    });
    const browser = demoAnswers({
      flow: "browser",
      credentials: {
        ...demoAnswers().credentials,
        mobile: undefined,
        pin: undefined,
        totpSecret: undefined,
      },
    });
    expect([...envValuesFor(browser).keys()]).toEqual([
      "UPSTOX_CLIENT_ID",
      "UPSTOX_CLIENT_SECRET",
      "UPSTOX_REDIRECT_URI",
    ]);
  });

  test("the daemon config references .env for every credential and holds no secret", () => {
    const text = renderDaemonConfig(demoAnswers());
    for (const secret of [DEMO_USER.pin, DEMO_USER.totpSecret, DEMO_APP.apiSecret, DEMO_USER.mobile]) {
      expect(text).not.toContain(secret);
    }
    const { $schema, ...config } = JSON.parse(text);
    // The schema path points at a file that exists (issue 19: never into a node_modules that is not there).
    expect(existsSync(resolve("/srv/app", $schema))).toBe(true);
    expect(config).toEqual({
      accounts: [
        {
          name: "main",
          flow: "totp",
          credentials: {
            mobile: `\${UPSTOX_USERNAME}`,
            pin: `\${UPSTOX_PIN_CODE}`,
            totpSecret: `\${UPSTOX_TOTP_SECRET}`,
            clientId: `\${UPSTOX_CLIENT_ID}`,
            clientSecret: `\${UPSTOX_CLIENT_SECRET}`,
            redirectUri: `\${UPSTOX_REDIRECT_URI}`,
          },
        },
      ],
      sinks: [
        { use: "env", options: { path: ".env" } },
        { use: "sqlite", options: { path: "upstox-tokens.db" } },
      ],
    });
  });

  test("a Redis URL with a password goes to .env as UPSTOX_REDIS_URL; one without stays in the config", () => {
    const answers = demoAnswers({
      sinks: [
        { kind: "redis", target: "redis://:pa55@cache:6379/1" },
        { kind: "redis", target: "redis://127.0.0.1:6379" },
      ],
    });
    expect(envValuesFor(answers).get("UPSTOX_REDIS_URL")).toBe("redis://:pa55@cache:6379/1");
    const config = daemonConfigFor(answers) as { sinks: unknown[] };
    expect(config.sinks).toEqual([
      { use: "redis", options: { url: `\${UPSTOX_REDIS_URL}` } },
      { use: "redis", options: { url: "redis://127.0.0.1:6379" } },
    ]);
    expect(renderDaemonConfig(answers)).not.toContain("pa55");
  });

  test(".gitignore entries: .env and token files inside the folder, SQLite with its -wal/-shm", () => {
    const answers = demoAnswers({
      sinks: [
        { kind: "env", target: ".env" },
        { kind: "env", target: "tokens.env" },
        { kind: "sqlite", target: "data/t.db" },
        { kind: "sqlite", target: "../elsewhere.db" },
        { kind: "redis", target: "redis://127.0.0.1:6379" },
      ],
    });
    expect(gitignoreEntriesFor(answers).map((e) => e.line)).toEqual([".env", "tokens.env", "data/t.db*"]);
  });
});

describe(".env update", () => {
  test("creates the file with mode 0600 even under a permissive umask", async () => {
    const dir = tempDir();
    const previous = process.umask(0o000);
    try {
      const result = await updateEnvFile(join(dir, ".env"), envValuesFor(demoAnswers()));
      expect(result.created).toBe(true);
      expect(result.added).toHaveLength(6);
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(dir, ".env")).mode & 0o777).toBe(0o600);
    expect(readEnvironment({}, join(dir, ".env"))).toMatchObject({ UPSTOX_PIN_CODE: DEMO_USER.pin });
  });

  test("only UPSTOX_* keys change; comments, other keys and quoting stay; a loose mode is tightened", async () => {
    const dir = tempDir();
    const path = join(dir, ".env");
    const before = [
      "# my app",
      'DATABASE_URL="postgres://app@db/app"',
      "UPSTOX_PIN_CODE='000000' # old",
      "UPSTOX_ACCESS_TOKEN=eyJold",
      "",
    ].join("\n");
    writeFileSync(path, before);
    chmodSync(path, 0o644);
    const result = await updateEnvFile(path, envValuesFor(demoAnswers()));
    expect(result.created).toBe(false);
    expect(result.updated).toEqual(["UPSTOX_PIN_CODE"]);
    expect(result.added).toContain("UPSTOX_TOTP_SECRET");
    expect(result.tightenedFrom).toBe("0644");
    const after = readFileSync(path, "utf8");
    expect(
      after.startsWith("# my app\nDATABASE_URL=\"postgres://app@db/app\"\nUPSTOX_PIN_CODE='123456' # old\n"),
    ).toBe(true);
    expect(after).toContain("UPSTOX_ACCESS_TOKEN=eyJold\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const again = await updateEnvFile(path, envValuesFor(demoAnswers()));
    expect(again.added).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.tightenedFrom).toBeUndefined();
    expect(readFileSync(path, "utf8")).toBe(after);
  });

  test("a symlinked .env: the file it points at is updated and the link stays", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "secrets"));
    writeFileSync(join(dir, "secrets", "app.env"), "OTHER=1\n");
    symlinkSync(join(dir, "secrets", "app.env"), join(dir, ".env"));
    await updateEnvFile(join(dir, ".env"), new Map([["UPSTOX_CLIENT_ID", "abc"]]));
    expect(readFileSync(join(dir, "secrets", "app.env"), "utf8")).toBe("OTHER=1\nUPSTOX_CLIENT_ID=abc\n");
  });
});

describe(".gitignore update", () => {
  test("missing lines only; `/x` counts as `x`", () => {
    expect(missingGitignoreLines("node_modules\n/.env\n", [".env", "upstox-tokens.db*"])).toEqual([
      "upstox-tokens.db*",
    ]);
    expect(missingGitignoreLines("", [".env", ".env"])).toEqual([".env"]);
  });

  test("appends under a comment, keeping CRLF and adding a missing final newline", () => {
    expect(appendGitignoreLines("dist", [".env"])).toBe(
      "dist\n\n# upstox-token: secrets (.env) and stored tokens\n.env\n",
    );
    expect(appendGitignoreLines("dist\r\n", [".env", "t.db*"])).toBe(
      "dist\r\n\r\n# upstox-token: secrets (.env) and stored tokens\r\n.env\r\nt.db*\r\n",
    );
    expect(appendGitignoreLines("", [".env"])).toBe(
      "# upstox-token: secrets (.env) and stored tokens\n.env\n",
    );
    expect(appendGitignoreLines("x\n", [])).toBe("x\n");
    expect(appendGitignoreLines("# upstox-token: secrets (.env) and stored tokens\n.env\n", ["t.db*"])).toBe(
      "# upstox-token: secrets (.env) and stored tokens\n.env\nt.db*\n",
    );
  });

  test("outside a git repository nothing is written", async () => {
    const dir = tempDir();
    expect(findGitRoot(dir)).toBeUndefined();
    expect(await updateGitignore(dir, [{ line: ".env", probe: ".env" }])).toEqual({
      skipped: "not a git repository",
    });
  });

  test("in a subfolder of a repository: adds what git does not ignore yet, once", async () => {
    const root = tempDir();
    gitInit(root);
    writeFileSync(join(root, ".gitignore"), "*.db*\n");
    const dir = join(root, "trading");
    mkdirSync(dir);
    expect(findGitRoot(dir)).toBe(root);
    const entries = gitignoreEntriesFor(demoAnswers({ dir }));
    const first = await updateGitignore(dir, entries);
    expect(first).toEqual({
      path: join(dir, ".gitignore"),
      added: [".env"],
      alreadyIgnored: ["upstox-tokens.db*"],
    });
    const second = await updateGitignore(dir, entries);
    expect(second).toMatchObject({ added: [] });
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(
      "# upstox-token: secrets (.env) and stored tokens\n.env\n",
    );
  });
});
