import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HELP_TEXT } from "../src/help-text.generated.js";
import { liveHelpTexts, renderHelpModule } from "../src/help-text-source.js";
import { BIN, tempDir } from "./support/run-bin.js";

// Issue 19: `upstox-token --help` under 40 ms. It is printed from a generated text, without commander or any
// command module; bench/cli-help.ts measures it against a bare `bun -e 0`.

test("the generated help text is what commander prints for the program and every command (run `bun run help-text`)", async () => {
  const live = await liveHelpTexts();
  expect(HELP_TEXT).toEqual(live);
  const file = join(import.meta.dir, "..", "src", "help-text.generated.ts");
  expect(readFileSync(file, "utf8")).toBe(renderHelpModule(live));
});

function traced(args: string[]): { stdout: string; loaded: string[] } {
  const trace = join(tempDir("upstox-help-trace-"), "trace.txt");
  const run = Bun.spawnSync(
    ["bun", "--preload", join(import.meta.dir, "support", "trace-resolves.ts"), BIN, ...args],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TRACE_FILE: trace },
      cwd: tempDir(),
    },
  );
  return {
    stdout: run.stdout.toString(),
    loaded: existsSync(trace) ? readFileSync(trace, "utf8").trim().split("\n") : [],
  };
}

test("--help, <command> --help, help <command> and --version load neither commander nor the command tree", () => {
  for (const args of [["--help"], ["-h"], ["status", "--help"], ["help", "init"], ["--version"]]) {
    const { stdout, loaded } = traced(args);
    expect({ args, loaded }).toEqual({ args, loaded: [] });
    expect(stdout.length).toBeGreaterThan(0);
  }
  const topic = traced(["status", "--help"]).stdout;
  expect(topic).toBe(HELP_TEXT.status!);
  // Anything else runs the full CLI (so the trace does see it).
  expect(traced(["nope", "--help"]).loaded).toContain("./run-cli.js");
});
