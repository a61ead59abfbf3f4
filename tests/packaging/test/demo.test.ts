// `bun run demo`, a newcomer's first command: every command it prints is the command it ran (pasted into a
// shell from the clone, each one works and shows the same), it names the credentials that are missing when some
// are set, and it ends with the next steps.
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { run } from "../src/run.js";
import { repoRoot } from "../src/workspace.js";

/** The demo's temp folders ("writing <folder>"), removed after the run. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
function remember(stdout: string): void {
  const folder = /writing (\S+)/.exec(stdout)?.[1];
  if (folder) folders.push(folder);
}

function environment(set: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("UPSTOX_")) env[key] = value;
  return { ...env, ...set, NO_COLOR: "1" };
}

test("the printed commands are the ones it ran; 5 of 6 credentials name the missing one", async () => {
  // The emulator registers whatever account the config names, so five values of one's own are fine here.
  const env = environment({
    UPSTOX_USERNAME: "9123456780",
    UPSTOX_PIN_CODE: "654321",
    UPSTOX_TOTP_SECRET: "GEZDGNBVGY3TQOJQ",
    UPSTOX_CLIENT_ID: "0b9e3c6a-1d2f-4e5a-8b7c-9d0e1f2a3b4c",
    UPSTOX_CLIENT_SECRET: "shell-secret",
  });
  const demo = await run("bun", ["scripts/demo.ts"], { cwd: repoRoot, env, what: "the demo" });
  remember(demo.stdout);
  expect(demo.stdout).toContain(
    "UPSTOX_REDIRECT_URI not set (all six are needed for the real Upstox), so against the local emulator",
  );
  expect(demo.stdout).not.toContain("no Upstox credentials set");

  const commands = demo.stdout
    .split("\n")
    .filter((line) => line.startsWith("$ "))
    .map((line) => line.slice(2));
  expect(commands.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
    "bunx --bun upstox-token-daemon",
    "bunx --bun upstox-token",
  ]);
  // The demo's status output, then the same command run by hand.
  const statusShown = demo.stdout.slice(demo.stdout.indexOf(`$ ${commands[1]}`)).split("\n\n")[0]!;
  const again = [];
  for (const command of commands) {
    again.push(await run("sh", ["-c", command], { cwd: repoRoot, env, what: command }));
  }
  expect(again[0]!.stdout).toContain("main: valid until");
  expect(`$ ${commands[1]}\n${again[1]!.stdout}`.trim()).toBe(statusShown.trim());

  expect(demo.stdout).toContain("Next:");
  for (const step of ["bunx --bun upstox-token init", "bunx --bun upstox-token-daemon", "README.md"]) {
    expect(demo.stdout).toContain(step);
  }
}, 120_000);

test("with nothing set it says so and still runs against the emulator", async () => {
  const demo = await run("bun", ["scripts/demo.ts"], {
    cwd: repoRoot,
    env: environment({}),
    what: "the demo",
  });
  remember(demo.stdout);
  expect(demo.stdout).toContain("no Upstox credentials set, so against the local emulator");
  expect(demo.stdout).toMatch(/main @ env:\S+: valid/);
}, 120_000);
