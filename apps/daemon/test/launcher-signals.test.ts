import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { accountEntry, addUsers, type TestAccount, tempDir, writeConfig } from "./support/helpers.js";

const ROOT = join(import.meta.dir, "..", "..", "..");
const LINKED = join(ROOT, "node_modules", ".bin", "upstox-token-daemon");
const NODE = Bun.which("node");
const BUN = Bun.which("bun") ?? process.execPath;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

test("the three launchers are the one guard source (scripts/launcher/sync-launchers.ts --check)", () => {
  const check = Bun.spawnSync([BUN, join(ROOT, "scripts", "launcher", "sync-launchers.ts"), "--check"]);
  expect(check.stderr.toString()).toBe("");
  expect(check.exitCode).toBe(0);
});

/** The PIDs whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {}
  }
  return found;
}

/** A failed test leaves nothing running: the launcher was started in its own process group. */
function killGroup(leader: number | undefined): void {
  if (leader === undefined) return;
  try {
    process.kill(-leader, "SIGKILL");
  } catch {}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Starts node_modules/.bin/upstox-token-daemon with Node 20 first on PATH; its own session, no terminal. */
function startLinked(
  dir: string,
  options: { args?: string[]; account?: TestAccount } = {},
): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const bin = join(dir, "path-bin");
  mkdirSync(bin);
  symlinkSync(NODE!, join(bin, "node"));
  symlinkSync(BUN, join(bin, "bun"));
  const config = writeConfig(dir, {
    accounts: [accountEntry(emulator, options.account ?? addUsers(emulator, 1, "signals")[0]!)],
    sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
  });
  const child = spawn(LINKED, ["--config", config, ...(options.args ?? [])], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: dir,
      UPSTOX_STATE_DIR: join(dir, "state"),
      UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
      UPSTOX_TOKEN_LOG_LEVEL: "info",
    },
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  return { child, lines, exited };
}

test.skipIf(!NODE)(
  "node_modules/.bin/upstox-token-daemon under Node, handing over to Bun: HUP reloads, TERM leaves no process",
  async () => {
    const { dir, cleanup } = tempDir("daemon-launcher-");
    let group: number | undefined;
    try {
      const { child, lines, exited } = startLinked(dir);
      group = child.pid;
      const logged = (msg: string) => lines.some((l) => String(l.msg).includes(msg));
      await until('"new token stored"', () => logged("new token stored"));
      const launcher = child.pid!;
      const [runtime] = childrenOf(launcher);
      expect(runtime).toBeDefined();
      expect(readFileSync(`/proc/${runtime}/cmdline`, "utf8")).toContain("bun");
      // The launcher is Node (it is the PID a service manager or `kill` sees), the daemon its Bun child.
      expect(readlinkSync(`/proc/${launcher}/exe`)).toBe(realpathSync(NODE!));

      process.kill(launcher, "SIGHUP");
      await until('"config reloaded"', () => logged("config reloaded"));
      expect(lines.filter((l) => l.msg === "reloading the config")).toHaveLength(1);
      expect(alive(runtime!)).toBe(true);

      process.kill(launcher, "SIGTERM");
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(logged("stopping: no new logins")).toBe(true);
      await until("the Bun child to be gone", () => !alive(runtime!), 5_000);
    } finally {
      killGroup(group);
      cleanup();
    }
  },
  30_000,
);

test.skipIf(!NODE)(
  "a signal that ends the Bun child ends the launcher the same way (QUIT: 128 + 3, or the signal itself)",
  async () => {
    const { dir, cleanup } = tempDir("daemon-launcher-");
    let group: number | undefined;
    try {
      const { child, lines, exited } = startLinked(dir);
      group = child.pid;
      await until('"new token stored"', () => lines.some((l) => l.msg === "new token stored"));
      const [runtime] = childrenOf(child.pid!);
      process.kill(child.pid!, "SIGQUIT");
      const end = await exited;
      expect(end.signal === "SIGQUIT" || end.code === 131).toBe(true);
      await until("the Bun child to be gone", () => !alive(runtime!), 5_000);
    } finally {
      killGroup(group);
      cleanup();
    }
  },
  30_000,
);

test.skipIf(!NODE)(
  "--env-file wins over a ./.env Bun would load by itself (the launcher starts Bun with --no-env-file)",
  async () => {
    const { dir, cleanup } = tempDir("daemon-launcher-env-");
    let group: number | undefined;
    try {
      // ./.env holds a stale, wrong PIN; the named env file the right one. Bun, left alone, loads ./.env into
      // the environment, and the environment wins over --env-file: the daemon would send the wrong PIN.
      const [user] = addUsers(emulator, 1, "envfile");
      writeFileSync(join(dir, ".env"), "ENVFILE_PIN=000000\n", { mode: 0o600 });
      const secrets = join(dir, "secrets.env");
      writeFileSync(secrets, `ENVFILE_PIN=${user!.pin}\n`, { mode: 0o600 });
      const { child, lines } = startLinked(dir, {
        args: ["--env-file", secrets],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${ENV} interpolation
        account: { ...user!, pin: "${ENVFILE_PIN}" },
      });
      group = child.pid;
      const stored = () => lines.some((l) => l.msg === "new token stored");
      // The first cycle ends either way: a token, or an error line (a refused PIN is permanent).
      await until("the first cycle to end", () => stored() || lines.some((l) => Number(l.level) >= 50));
      expect(JSON.stringify(lines)).not.toContain("WRONG_PIN");
      expect(stored()).toBe(true);
      const [runtime] = childrenOf(child.pid!);
      expect(readFileSync(`/proc/${runtime}/cmdline`, "utf8").split("\0")).toContain("--no-env-file");
    } finally {
      killGroup(group);
      cleanup();
    }
  },
  30_000,
);
