import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { runBin, tempDir } from "./support/run-bin.js";

const LAUNCHER = join(import.meta.dir, "..", "bin", "upstox-token.js");

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

test("--sink is-odd:x from an empty folder: exit 2 listing the built-ins, and Bun's cache stays empty", async () => {
  const cwd = tempDir("empty-project-");
  const cache = tempDir("empty-bun-cache-");
  const env = { ...emulatorEnv(emulator), BUN_INSTALL_CACHE_DIR: cache };
  for (const bin of [undefined, LAUNCHER]) {
    const args = ["generate-token", "--sink", "is-odd:x"];
    const result = bin
      ? await (async () => {
          const child = Bun.spawn(["bun", bin, ...args], {
            cwd,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
            stdout: "pipe",
            stderr: "pipe",
          });
          const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
          return { code, stderr };
        })()
      : await runBin(args, { cwd, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown sink "is-odd"');
    expect(result.stderr).toContain("env");
    expect(result.stderr).toContain("sqlite");
    expect(result.stderr).toContain("bun add");
  }
  expect(readdirSync(cache)).toEqual([]);
  expect(readdirSync(cwd)).toEqual([]);
  expect(emulator.steps("token")).toHaveLength(0);
});

test("a module sink whose import is missing says which package in the normal message (no --debug), and fetches nothing", async () => {
  const cwd = tempDir("module-sink-");
  const cache = tempDir("empty-bun-cache-");
  mkdirSync(join(cwd, "sinks"));
  writeFileSync(
    join(cwd, "sinks", "my-sink.ts"),
    'import { defineSink } from "@upstox-token/core";\nexport default defineSink;\n',
  );
  const result = await runBin(["generate-token", "--sink", "./sinks/my-sink.ts"], {
    cwd,
    env: { ...emulatorEnv(emulator), BUN_INSTALL_CACHE_DIR: cache },
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("cannot find package @upstox-token/core");
  expect(readdirSync(cache)).toEqual([]);
});
