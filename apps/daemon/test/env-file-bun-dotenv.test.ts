import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { accountEntry, addUsers, DAEMON_BIN, tempDir, writeConfig } from "./support/helpers.js";

// Run straight under Bun (`bun apps/daemon/src/bin.ts`, no launcher, no --no-env-file), Bun loads ./.env into
// process.env before the daemon's code runs. With --env-file, the named file must still win: at start and on
// every reload (SIGHUP).

const BUN = Bun.which("bun") ?? process.execPath;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

type Line = Record<string, unknown>;

/** `bun <repo>/apps/daemon/src/bin.ts` with cwd = `dir` (where the stale ./.env is). */
function startDirect(dir: string, args: string[]) {
  const child = Bun.spawn([BUN, DAEMON_BIN, ...args], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      UPSTOX_STATE_DIR: join(dir, "state"),
      UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
      UPSTOX_TOKEN_LOG_LEVEL: "info",
    },
  });
  const lines: Line[] = [];
  const read = (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of child.stderr) {
      buffered += decoder.decode(chunk, { stream: true });
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as Line);
        } catch {
          lines.push({ msg: part });
        }
      }
    }
  })();
  return { child, lines, read };
}

async function until(what: string, check: () => boolean, lines: Line[], ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(lines)}`);
    await Bun.sleep(20);
  }
}

/** A config whose PIN is ${ENVFILE_PIN}; ./.env holds a stale, wrong one. */
function setUp(dir: string, prefix: string) {
  const [user] = addUsers(emulator, 1, prefix);
  writeFileSync(join(dir, ".env"), "ENVFILE_PIN=000000\n", { mode: 0o600 });
  const config = writeConfig(dir, {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${ENV} interpolation
    accounts: [accountEntry(emulator, { ...user!, pin: "${ENVFILE_PIN}" })],
    sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
  });
  return { user: user!, config, secrets: join(dir, "secrets.env") };
}

test("run straight under Bun, --env-file wins over the ./.env Bun loaded by itself", async () => {
  const { dir, cleanup } = tempDir("daemon-bun-dotenv-");
  try {
    const { user, config, secrets } = setUp(dir, "bundotenv");
    writeFileSync(secrets, `ENVFILE_PIN=${user.pin}\n`, { mode: 0o600 });
    const { child, lines, read } = startDirect(dir, ["--once", "--config", config, "--env-file", secrets]);
    const code = await child.exited;
    await read;
    expect(JSON.stringify(lines)).not.toContain("WRONG_PIN");
    expect(lines.some((l) => l.msg === "new token stored")).toBe(true);
    expect(code).toBe(0);
  } finally {
    cleanup();
  }
}, 30_000);

test("a PIN corrected in the --env-file is picked up on SIGHUP, even with a stale ./.env (run under Bun)", async () => {
  const { dir, cleanup } = tempDir("daemon-bun-dotenv-hup-");
  let child: ReturnType<typeof startDirect>["child"] | undefined;
  try {
    const { user, config, secrets } = setUp(dir, "bundotenvhup");
    // Wrong in the named file too at start: Upstox refuses it, a permanent failure (remembered, not retried).
    writeFileSync(secrets, "ENVFILE_PIN=111111\n", { mode: 0o600 });
    const started = startDirect(dir, ["--config", config, "--env-file", secrets]);
    child = started.child;
    const { lines } = started;
    await until("the refused PIN", () => JSON.stringify(lines).includes("WRONG_PIN"), lines);
    // The person corrects the named file and asks for a reload. The refused PIN's record is of another PIN now,
    // so it is forgotten and the corrected PIN is sent.
    writeFileSync(secrets, `ENVFILE_PIN=${user.pin}\n`, { mode: 0o600 });
    child.kill("SIGHUP");
    await until("the token to be stored", () => lines.some((l) => l.msg === "new token stored"), lines);
    expect(lines.some((l) => l.msg === "config reloaded")).toBe(true);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child?.kill("SIGKILL");
    cleanup();
  }
}, 30_000);
