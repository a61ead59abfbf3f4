import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, markRevokedInSinks } from "@upstox-token/core";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import { EnvFileSink, type EnvSinkOptionsInput, envSink, envSinkOptions } from "../src/index.js";
import { tempFolder } from "./helpers/env-store.js";

let dir = "";
let removeDir: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, remove: removeDir } = await tempFolder());
});
afterEach(() => removeDir());

function recording(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (fields, message) => void warnings.push(`${message ?? ""} ${JSON.stringify(fields)}`),
  };
}

function open(options: Partial<EnvSinkOptionsInput>, logger: Logger): EnvFileSink {
  return new EnvFileSink(envSinkOptions.parse({ path: ".env", ...options }), { baseDir: dir, logger });
}

describe("file modes", () => {
  test("writing into a .env that group or others can read warns, naming the file and the chmod 600 fix", async () => {
    const file = join(dir, ".env");
    await writeFile(file, "A=1\n");
    await chmod(file, 0o644);
    const logger = recording();
    await open({}, logger).write(makeTestRecord());
    expect((await stat(file)).mode & 0o777).toBe(0o644); // kept, as before
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain(file);
    expect(logger.warnings[0]).toContain("chmod 600");
    expect(logger.warnings[0]).toContain("0644");
  });

  test("a private file (the default 0600) gets no warning", async () => {
    const logger = recording();
    await open({}, logger).write(makeTestRecord());
    expect(logger.warnings).toEqual([]);
  });

  test("tightenMode gives an existing file the configured mode; the shorthand env:F?mode=0600 sets it", async () => {
    const file = join(dir, ".env");
    await writeFile(file, "A=1\n");
    await chmod(file, 0o644);
    const options = envSink.fromShorthand!(`.env?mode=0600`);
    expect(options).toEqual({ path: ".env", mode: "0600", tightenMode: true });
    const logger = recording();
    await open(options, logger).write(makeTestRecord());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(logger.warnings).toEqual([]);
    expect(await readFile(file, "utf8")).toStartWith("A=1\n");
  });
});

describe("revocation", () => {
  test("a revoked record round-trips (revoked_at), and a new token clears the mark", async () => {
    const logger = recording();
    const sink = open({}, logger);
    const record = makeTestRecord({ generation: 3 });
    await sink.write(record);
    const outcomes = await markRevokedInSinks([sink], "main", record.accessToken.reveal(), Date.now());
    expect(outcomes).toEqual([{ sink: sink.name, status: "marked" }]);
    const revoked = await sink.read("main");
    expect(revoked?.revokedAt).toBeNumber();
    expect(revoked?.generation).toBe(4);
    expect(await readFile(join(dir, ".env"), "utf8")).toContain("UPSTOX_ACCESS_TOKEN_REVOKED_AT=");

    const fresh = makeTestRecord({ generation: 5 });
    await sink.write(fresh);
    expect((await sink.read("main"))?.revokedAt).toBeUndefined();
    // Revoking an old token leaves a newer one alone.
    const again = await markRevokedInSinks([sink], "main", record.accessToken.reveal(), Date.now());
    expect(again[0]?.status).toBe("other-token");
  });
});
