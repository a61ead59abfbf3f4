import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, silentLogger } from "@upstox-token/core";
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

const SECRETS = {
  UPSTOX_PIN_CODE: "864209",
  UPSTOX_TOTP_SECRET: "KRSXG5CTMVRXEZLU",
  UPSTOX_CLIENT_SECRET: "client-secret-for-the-hook-test",
};

test("an onChange command that runs `env` sees none of our secrets, only the allow-list and its own variables", async () => {
  const saved = { ...process.env };
  Object.assign(process.env, SECRETS, { SOME_OTHER_VAR: "x" });
  try {
    const out = join(dir, "env.txt");
    const record = makeTestRecord();
    await open({ onChange: `env > '${out}'` }).write(record);
    const env = await readFile(out, "utf8");
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(env).not.toContain(name);
      expect(env).not.toContain(value);
    }
    expect(env).not.toContain("SOME_OTHER_VAR");
    expect(env.includes(record.accessToken.reveal())).toBe(false);
    expect(env).toContain("UPSTOX_ACCOUNT=main");
    expect(env).toContain("UPSTOX_GENERATION=");
    expect(env).toContain(`UPSTOX_ENV_FILE=${join(dir, ".env")}`);
    expect(env).toContain("PATH=");
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
});

test("a hung hook child is killed at the timeout (its whole process group) and the write is not blocked", async () => {
  const pidFile = join(dir, "child.pid");
  const lines: string[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    void lines.push(`${level} ${message ?? ""} ${JSON.stringify(fields)}`);
  const logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const record = makeTestRecord();
  const result = await open(
    { onChange: `sleep 300 & echo $! > '${pidFile}'; wait`, onChangeTimeoutMs: 300 },
    logger,
  ).write(record);
  expect(result).toEqual({ status: "written" });
  expect(lines.join("\n")).toContain("were killed");
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  expect(pid).toBeGreaterThan(0);
  // Dead means gone, or a zombie waiting for its reaper (it has exited; only its exit status remains).
  const isAlive = async (): Promise<boolean> => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    return stat !== "" && !/^\d+ \(.*\) Z/.test(stat);
  };
  let alive = await isAlive();
  for (let i = 0; i < 100 && alive; i++) {
    await Bun.sleep(10);
    alive = await isAlive();
  }
  expect(alive).toBe(false);
  expect((await readFile(join(dir, ".env"), "utf8")).includes(record.accessToken.reveal())).toBe(true);
});
