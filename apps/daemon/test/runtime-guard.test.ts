import { expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeConfig } from "./support/helpers.js";

const ROOT = join(import.meta.dir, "..", "..", "..");
const LAUNCHER = join(ROOT, "apps", "daemon", "bin", "upstox-token-daemon.js");
const LINKED = join(ROOT, "node_modules", ".bin", "upstox-token-daemon");
const NODE = Bun.which("node");
const nodeMajor = NODE
  ? Number(Bun.spawnSync([NODE, "-p", "process.versions.node.split('.')[0]"]).stdout.toString())
  : 0;

test.skipIf(!NODE || nodeMajor >= 22)(
  "under Node below the floor, without Bun on PATH: the daemon exits 2 with the message, before touching SQLite",
  async () => {
    const { dir, cleanup } = tempDir("daemon-guard-");
    try {
      const bin = join(dir, "bin");
      mkdirSync(bin);
      symlinkSync(NODE!, join(bin, "node"));
      const config = writeConfig(dir, {
        accounts: [{ name: "a", credentials: { clientId: "x", clientSecret: "y" } }],
        sinks: [{ use: "sqlite", options: { path: "t.db" } }],
      });
      for (const argv of [
        [NODE!, LAUNCHER, "--once", "--config", config],
        [NODE!, LINKED, "--once", "--config", config],
      ]) {
        const child = Bun.spawn(argv, {
          cwd: dir,
          env: { PATH: bin, HOME: dir },
          stderr: "pipe",
          stdout: "pipe",
        });
        const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
        expect(code).toBe(2);
        expect(stderr).toContain("upstox-token-daemon needs Node.js 22.14 or newer");
        expect(stderr).toContain("bunx --bun upstox-token-daemon");
      }
      expect(await Bun.file(join(dir, "t.db")).exists()).toBe(false);
    } finally {
      cleanup();
    }
  },
);
