import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { tempDir } from "./support/run-bin.js";

const ROOT = join(import.meta.dir, "..", "..", "..");
const LAUNCHER = join(ROOT, "packages", "cli", "bin", "upstox-token.js");
const LINKED = join(ROOT, "node_modules", ".bin", "upstox-token");
const NODE = Bun.which("node");

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** A PATH with only the machine's node on it (no bun), so the launcher cannot hand over to Bun. */
function nodeOnlyPath(): string {
  const dir = join(tempDir("node-only-"), "bin");
  mkdirSync(dir);
  symlinkSync(NODE!, join(dir, "node"));
  return dir;
}

async function run(argv: string[], path: string, cwd: string) {
  const child = Bun.spawn(argv, {
    cwd,
    env: { ...emulatorEnv(emulator), PATH: path, HOME: process.env.HOME ?? "", NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

const nodeMajor = NODE
  ? Number(Bun.spawnSync([NODE, "-p", "process.versions.node.split('.')[0]"]).stdout.toString())
  : 0;

test.skipIf(!NODE || nodeMajor >= 22)(
  "under Node below the floor, without Bun on PATH: exit 2 with what is needed and the ways out (SQLite sink or not, never 139)",
  async () => {
    const path = nodeOnlyPath();
    const cwd = tempDir();
    for (const argv of [
      [NODE!, LAUNCHER, "--version"],
      [NODE!, LAUNCHER, "generate-token", "--sink", "sqlite:t.db"],
      [NODE!, LINKED, "generate-token", "--sink", "sqlite:t.db"],
      [LINKED, "status", "--sink", "env"],
    ]) {
      const result = await run(argv, path, cwd);
      expect({ argv: argv.slice(1), code: result.code }).toEqual({ argv: argv.slice(1), code: 2 });
      expect(result.stderr).toContain("needs Node.js 22.14 or newer");
      expect(result.stderr).toContain("bunx --bun upstox-token");
      expect(result.stderr).toContain("single binary");
    }
    expect(await Bun.file(join(cwd, "t.db")).exists()).toBe(false);
  },
);

test.skipIf(!NODE)(
  "in a checkout, started by Node with Bun on PATH, the launcher hands over to Bun",
  async () => {
    const cwd = tempDir();
    const result = await run(
      [NODE!, LAUNCHER, "generate-token", "--json", "--sink", "sqlite:t.db"],
      process.env.PATH ?? "",
      cwd,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).access_token).toBeTruthy();
  },
);
