import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { type Logger, SinkError, silentLogger, toIstIso } from "@upstox-token/core";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import { EnvFileSink, type EnvSinkOptionsInput, envSinkOptions } from "../src/index.js";
import { tempFolder } from "./helpers/env-store.js";

let dir = "";
let removeDir: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, remove: removeDir } = await tempFolder());
});
afterEach(() => removeDir());

function open(options: Partial<EnvSinkOptionsInput> = {}, logger: Logger = silentLogger): EnvFileSink {
  return new EnvFileSink(envSinkOptions.parse({ path: ".env", ...options }), { baseDir: dir, logger });
}

async function rejection(promise: Promise<unknown>): Promise<SinkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SinkError);
    return error as SinkError;
  }
  throw new Error("expected a rejection");
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    lines.push(`${level} ${message ?? ""} ${JSON.stringify(fields)}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

describe("modes and owners", () => {
  test("a new file gets 0600 by default", async () => {
    await open().write(makeTestRecord());
    expect((await stat(join(dir, ".env"))).mode & 0o777).toBe(0o600);
  });

  test("a new file gets exactly the configured mode, whatever the umask", async () => {
    const old = process.umask(0o077);
    try {
      await open({ mode: "0640" }).write(makeTestRecord());
    } finally {
      process.umask(old);
    }
    expect((await stat(join(dir, ".env"))).mode & 0o777).toBe(0o640);
  });

  test("an existing file keeps its mode", async () => {
    const path = join(dir, ".env");
    await writeFile(path, "A=1\n");
    await chmod(path, 0o644);
    await open({ mode: "0600" }).write(makeTestRecord());
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  test.skipIf(process.getuid?.() !== 0)(
    "an existing file keeps its owner (where chown is permitted)",
    async () => {
      const path = join(dir, ".env");
      await writeFile(path, "A=1\n");
      await chown(path, 1234, 2345);
      await open().write(makeTestRecord());
      const info = await stat(path);
      expect([info.uid, info.gid]).toEqual([1234, 2345]);
    },
  );
});

describe("symbolic links", () => {
  beforeEach(async () => {
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real/app.env"), "# real file\nA=1\n");
    await symlink("real/app.env", join(dir, ".env"));
  });

  test("are refused by default, with a clear error, and left alone", async () => {
    const sink = open();
    const error = await rejection(sink.write(makeTestRecord()));
    expect(error.code).toBe("SINK_FAILED");
    expect(error.message).toContain("is a symbolic link; refusing to replace it");
    expect(error.hint).toContain("followSymlinks");
    expect((await rejection(sink.check())).code).toBe("SINK_CHECK_FAILED");
    expect(await readFile(join(dir, "real/app.env"), "utf8")).toBe("# real file\nA=1\n");
  });

  test("are written through with followSymlinks, keeping the link", async () => {
    const record = makeTestRecord();
    const sink = open({ followSymlinks: true });
    await sink.check();
    expect(await sink.write(record)).toEqual({ status: "written" });
    expect((await lstat(join(dir, ".env"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, ".env"))).toBe("real/app.env");
    const text = await readFile(join(dir, "real/app.env"), "utf8");
    expect(text.startsWith("# real file\nA=1\nUPSTOX_ACCESS_TOKEN=")).toBe(true);
    expect((await sink.read("main"))?.generation).toBe(record.generation);
  });
});

describe("onChange", () => {
  test("runs only when the token changed, with account and expiry in its environment", async () => {
    const log = join(dir, "hook.log");
    const sink = open({
      onChange: `printf '%s %s %s\\n' "$UPSTOX_ACCOUNT" "$UPSTOX_EXPIRES_AT" "$UPSTOX_GENERATION" >> '${log}'`,
    });
    const first = makeTestRecord({ generation: 1 });
    await sink.write(first);
    await sink.write(first); // same token again: no change
    await sink.write(makeTestRecord({ generation: 0 })); // stale: no change
    const second = makeTestRecord({ generation: 2 });
    await sink.write(second);
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    expect(lines).toEqual([`main ${toIstIso(first.expiresAt)} 1`, `main ${toIstIso(second.expiresAt)} 2`]);
  });

  test("never gets the token on its command line or in its environment from us", async () => {
    const out = join(dir, "env.txt");
    const record = makeTestRecord();
    await open({ onChange: `env > '${out}'` }).write(record);
    const env = await readFile(out, "utf8");
    expect(env.includes(record.accessToken.reveal())).toBe(false);
    expect(env).toContain("UPSTOX_ACCOUNT=main");
  });

  test("a failing command is logged (without the token) and does not fail the write", async () => {
    const logger = recordingLogger();
    const record = makeTestRecord();
    const sink = open({ onChange: `cat '${join(dir, ".env")}'; exit 3` }, logger);
    expect(await sink.write(record)).toEqual({ status: "written" });
    const warning = logger.lines.find((line) => line.startsWith("warn"));
    expect(warning).toContain("exit code 3");
    expect(warning).toContain("UPSTOX_ACCESS_TOKEN=***");
    expect(logger.lines.join("\n").includes(record.accessToken.reveal())).toBe(false);
    expect((await sink.read("main"))?.generation).toBe(record.generation);
  });
});

describe("locking", () => {
  test("a lock left by a dead writer goes stale and the write proceeds", async () => {
    const lock = join(dir, ".env.lock");
    await mkdir(lock);
    const old = new Date(Date.now() - 15_000);
    await utimes(lock, old, old);
    expect(await open().write(makeTestRecord())).toEqual({ status: "written" });
  });

  test("a live lock makes the write time out with a clear, retryable SinkError", async () => {
    await mkdir(join(dir, ".env.lock"));
    const error = await rejection(open({ lockTimeoutMs: 300 }).write(makeTestRecord()));
    expect(error.message).toContain("timed out after 300 ms waiting for the lock");
    expect(error.retryable).toBe(true);
  });
});

describe("accounts", () => {
  test("by default one account per file: a second account is refused with a hint", async () => {
    const sink = open();
    await sink.write(makeTestRecord({ account: "main" }));
    const error = await rejection(sink.write(makeTestRecord({ account: "family" })));
    expect(error.message).toBe('the file holds account "main"\'s token');
    expect(error.hint).toContain("accountPrefix");
    expect(await sink.read("family")).toBeNull();
  });

  test("the account option stores one account only", async () => {
    const sink = open({ account: "main" });
    await sink.write(makeTestRecord({ account: "main" }));
    const error = await rejection(sink.write(makeTestRecord({ account: "other" })));
    expect(error.message).toContain('stores account "main" only');
  });

  test("accountPrefix keeps accounts apart with prefixed keys", async () => {
    const sink = open({ accountPrefix: true });
    await sink.write(makeTestRecord({ account: "main" }));
    await sink.write(makeTestRecord({ account: "family-2" }));
    const text = await readFile(join(dir, ".env"), "utf8");
    expect(text).toContain("\nFAMILY_2_UPSTOX_ACCESS_TOKEN=");
    expect(text).toContain("MAIN_UPSTOX_ACCESS_TOKEN_ACCOUNT=main\n");
  });
});

describe("reading", () => {
  test("accounts() names the accounts the file holds, with and without accountPrefix", async () => {
    expect(await open().accounts()).toEqual([]);
    await open().write(makeTestRecord({ account: "default" }));
    expect(await open().accounts()).toEqual(["default"]);
    expect(await open().read("main")).toBeNull();

    await writeFile(join(dir, ".env"), "");
    const prefixed = open({ accountPrefix: true });
    await prefixed.write(makeTestRecord({ account: "main" }));
    await prefixed.write(makeTestRecord({ account: "family-2" }));
    expect(await prefixed.accounts()).toEqual(["family-2", "main"]);

    await writeFile(join(dir, ".env"), `UPSTOX_ACCESS_TOKEN=${makeTestRecord().accessToken.reveal()}\n`);
    expect(await open().accounts()).toEqual([]); // no account key: it belongs to whoever asks
  });

  test("a hand-written file with renamed keys reads as a minimal valid record", async () => {
    const record = makeTestRecord();
    const expiresSeconds = Math.floor(record.expiresAt / 1000);
    await writeFile(
      join(dir, ".env"),
      `access_token=${record.accessToken.reveal()}\nexpires_at=${expiresSeconds}\n`,
    );
    const sink = open({ keys: { accessToken: "access_token", expiresAt: "expires_at" } });
    const read = await sink.read("main");
    expect(read?.accessToken.reveal() === record.accessToken.reveal()).toBe(true);
    expect(read?.expiresAt).toBe(expiresSeconds * 1000);
    expect(read?.issuedAt).toBe(Math.floor(record.issuedAt / 1000) * 1000); // from the JWT's iat
    expect(read?.generation).toBe(0);
    expect(read?.profile.userId).toBe("");
    // and a later write keeps the renamed keys
    await sink.write(makeTestRecord({ generation: 1 }));
    expect(await readFile(join(dir, ".env"), "utf8")).toStartWith("access_token=");
  });

  test("a missing file reads as null", async () => {
    expect(await open().read("main")).toBeNull();
  });
});

describe("check()", () => {
  test("leaves an existing file byte for byte and time for time", async () => {
    const path = join(dir, ".env");
    await writeFile(path, "A=1\r\n# comment");
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    await open().check();
    const info = await stat(path);
    expect(await readFile(path, "utf8")).toBe("A=1\r\n# comment");
    expect(info.mtimeMs).toBe(old.getTime());
  });

  test("does not create a missing file, and leaves no probe behind", async () => {
    await open().check();
    expect(await readdir(dir)).toEqual([]);
  });

  test("rejects a path whose folder is missing, saying so", async () => {
    const error = await rejection(open({ path: "nope/.env" }).check());
    expect(error.code).toBe("SINK_CHECK_FAILED");
    expect(error.message).toContain("the folder does not exist");
    expect(error.sink).toBe(`env:${join(dir, "nope/.env")}`);
  });

  test("rejects a folder where the file should be", async () => {
    await mkdir(join(dir, ".env"));
    const error = await rejection(open().check());
    expect(error.message).toContain("is not a regular file");
  });
});

test("a file that is not UTF-8 is refused rather than rewritten", async () => {
  const path = join(dir, ".env");
  const bytes = Buffer.from([0x41, 0x3d, 0xe9, 0x0a]); // "A=é" in Latin-1
  await writeFile(path, bytes);
  const error = await rejection(open().write(makeTestRecord()));
  expect(error.message).toContain("is not valid UTF-8");
  expect((await readFile(path)).equals(bytes)).toBe(true);
});
