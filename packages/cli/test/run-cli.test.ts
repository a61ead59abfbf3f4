import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtinSinks, runCli } from "../src/index.js";
import { CLI_VERSION } from "../src/version.js";
import { memoryIo } from "./support/memory-io.js";
import { tempDir } from "./support/run-bin.js";

const COMMANDS = [
  "check-env",
  "generate-token",
  "login",
  "auth-url",
  "exchange",
  "request-token",
  "verify",
  "profile",
  "logout",
  "totp",
  "status",
];

test("--help lists every command and exits 0", async () => {
  const mem = memoryIo();
  expect(await runCli(["--help"], mem.io)).toBe(0);
  for (const command of COMMANDS) expect(mem.stdout).toContain(`  ${command}`);
  expect(mem.stdout).toContain("Exit codes: 0 success");
});

test("each command has its own help", async () => {
  for (const command of COMMANDS) {
    const mem = memoryIo();
    expect(await runCli([command, "--help"], mem.io)).toBe(0);
    expect(mem.stdout).toContain(`Usage: upstox-token ${command}`);
  }
});

test("--version prints the package version", async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "package.json"), "utf8")) as {
    version: string;
  };
  expect(CLI_VERSION).toBe(pkg.version);
  const mem = memoryIo();
  expect(await runCli(["--version"], mem.io)).toBe(0);
  expect(mem.stdout.trim()).toBe(pkg.version);
});

test("usage errors exit 2 with error [USAGE]", async () => {
  for (const argv of [
    ["nope"],
    ["generate-token", "--bogus"],
    ["exchange"],
    ["login", "--timeout", "soon"],
    [],
  ]) {
    const mem = memoryIo();
    expect(await runCli(argv, mem.io)).toBe(2);
    if (argv.length > 0) expect(mem.stderr).toContain("error [USAGE]:");
  }
});

test("unknown command suggests the close one", async () => {
  const mem = memoryIo();
  expect(await runCli(["generate-tokn"], mem.io)).toBe(2);
  expect(mem.stderr).toContain("error [USAGE]: unknown command 'generate-tokn'");
  expect(mem.stderr).toContain("generate-token");
});

test("with --json a usage error is also a JSON object on stdout", async () => {
  const mem = memoryIo();
  expect(await runCli(["--json", "nope"], mem.io)).toBe(2);
  const body = JSON.parse(mem.stdout) as { error: { code: string; exit_code: number } };
  expect(body.error.code).toBe("USAGE");
  expect(body.error.exit_code).toBe(2);
});

test("global options work after the command name too", async () => {
  const mem = memoryIo({ env: { UPSTOX_TOTP_SECRET: "JBSWY3DPEHPK3PXP" }, cwd: tempDir() });
  expect(await runCli(["totp", "--json"], mem.io)).toBe(0);
  expect(JSON.parse(mem.stdout)).toMatchObject({ code: expect.stringMatching(/^\d{6}$/) });
});

test("status without --sink is a usage error", async () => {
  const mem = memoryIo({ cwd: tempDir() });
  expect(await runCli(["status"], mem.io)).toBe(2);
  expect(mem.stderr).toContain("status needs at least one --sink");
});

test("a missing --env-file is a config error naming the file", async () => {
  const mem = memoryIo({ cwd: tempDir() });
  expect(await runCli(["totp", "--env-file", "nope.env"], mem.io)).toBe(2);
  expect(mem.stderr).toContain("error [CONFIG_INVALID]");
  expect(mem.stderr).toContain("nope.env");
});

test("the built-in sink map names env, sqlite and redis with their packages", () => {
  expect(Object.keys(builtinSinks).sort()).toEqual(["env", "redis", "sqlite"]);
  expect(builtinSinks.env?.packageName).toBe("@upstox-token/sink-env");
  expect(builtinSinks.sqlite?.packageName).toBe("@upstox-token/sink-sqlite");
  expect(builtinSinks.redis?.packageName).toBe("@upstox-token/sink-redis");
});

test("the built-in sqlite sink loads through the map", async () => {
  const factory = await builtinSinks.sqlite!.load();
  expect(factory.kind).toBe("sqlite");
});
