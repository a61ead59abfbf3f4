// GENERATED from scripts/launcher/launcher-guard.js by `bun scripts/launcher/sync-launchers.ts`: edit that file.
// The runtime guard every bin of this repository runs before anything else is imported. One source
// (scripts/launcher/launcher-guard.js); `bun scripts/launcher/sync-launchers.ts` copies it into each
// package's bin/ folder, and a test fails when a copy differs. Each bin is two lines that import its copy.
//
// - An older Node than the package needs (better-sqlite3 segfaults under Node 20) gets a message and exit 2,
//   never a crash.
// - In a checkout, Bun on PATH is preferred (the sources run as they are). The launcher then stays the
//   parent: it forwards TERM, INT, HUP and QUIT to Bun and exits with Bun's code (128 + the signal's number
//   when a signal ended it), so a service manager, pm2 or a plain `kill` reaches the program it meant.
//   Given `--env-file`, Bun is started with `--no-env-file`: Bun would otherwise load ./.env into the
//   environment by itself, and a real variable wins over the named file, so a PIN corrected in that file never
//   reached the program (not even on HUP). Without `--env-file` Bun's own .env loading stays as it was.
// - Under Bun it runs the TypeScript source, under Node the built dist.
// Only node: built-ins are imported here, and only ones every Node since 14 has. What only the Node hand-over
// needs (child_process, os, url) is imported there: under Bun each built-in costs start-up time (`--help`).
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, sep } from "node:path";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
const NAME = Object.keys(bins)[0] ?? manifest.name;
const launcherUrl = new URL(`../${String(Object.values(bins)[0]).replace(/^\.\//, "")}`, import.meta.url);
const engines = manifest.engines ?? {};

/** The signals a launcher passes on; the rest keep their default action. */
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

/** The lowest version a ">=22.14"-style range allows, as [major, minor, patch]. */
const floorOf = (range) =>
  (/>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range ?? "") ?? []).slice(1).map(Number);
const below = (version, floor) => {
  const v = version.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((v[i] || 0) !== (floor[i] || 0)) return (v[i] || 0) < (floor[i] || 0);
  return false;
};
const show = (floor) => floor.filter((n) => !Number.isNaN(n)).join(".");

const bunOnPath = () =>
  (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, process.platform === "win32" ? "bun.exe" : "bun"))
    .find((candidate) => existsSync(candidate));

/**
 * True when this process is in its terminal's foreground process group: a Ctrl-C (INT) or Ctrl-\ (QUIT)
 * typed there reaches the child as well, so passing it on would deliver it twice (and a second INT makes
 * the daemon exit at once). Read from /proc on Linux; elsewhere, a terminal on stdin is taken as the sign.
 */
function inForegroundOfTerminal() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // state ppid pgrp session tty_nr tpgid
    return Number(fields[4]) !== 0 && fields[5] === fields[2];
  } catch {
    return process.stdin.isTTY === true;
  }
}

/** Runs Bun as a child that receives this process's signals; exits as the child did. Never resolves. */
async function handOver(bun, args) {
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  return new Promise(() => {
    const child = spawn(bun, args, {
      stdio: "inherit",
      env: { ...process.env, UPSTOX_TOKEN_LAUNCHER_REEXEC: "1" },
    });
    const forward = (signal) => {
      if ((signal === "SIGINT" || signal === "SIGQUIT") && inForegroundOfTerminal()) return;
      try {
        child.kill(signal);
      } catch {}
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    child.once("error", (error) => {
      console.error(`${NAME}: could not start ${bun}: ${error.message}`);
      process.exit(2);
    });
    child.once("exit", (code, signal) => {
      for (const name of FORWARDED) process.off(name, forward);
      if (signal) {
        // End the same way, so whoever waits for this PID sees the signal (or 128 + its number).
        process.exitCode = 128 + (constants.signals[signal] ?? 0);
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(), 1000).unref();
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

const isBun = typeof process.versions.bun === "string";
/** True when the command names its own env file (`--env-file x` or `--env-file=x`). */
const namesEnvFile = (args) => args.some((arg) => arg === "--env-file" || arg.startsWith("--env-file="));

if (!isBun && process.env.UPSTOX_TOKEN_LAUNCHER_REEXEC !== "1") {
  const { fileURLToPath } = await import("node:url");
  const inCheckout = !fileURLToPath(import.meta.url)
    .split(sep)
    .includes("node_modules");
  const bun = inCheckout ? bunOnPath() : undefined;
  const args = process.argv.slice(2);
  // --no-install: a missing package is an error, never a download from the registry.
  const flags = ["--no-install", ...(namesEnvFile(args) ? ["--no-env-file"] : [])];
  if (bun) await handOver(bun, [...flags, fileURLToPath(launcherUrl), ...args]);
}

const nodeFloor = floorOf(engines.node);
const bunFloor = floorOf(engines.bun);
const runtime = isBun ? `Bun ${process.versions.bun}` : `Node.js ${process.versions.node}`;
const tooOld = isBun
  ? bunFloor.length > 0 && below(process.versions.bun, bunFloor)
  : nodeFloor.length > 0 && below(process.versions.node, nodeFloor);
if (tooOld) {
  console.error(
    [
      `${NAME} needs Node.js ${show(nodeFloor)} or newer, or Bun ${show(bunFloor)} or newer; this is ${runtime}.`,
      "Ways out:",
      `  - run it with Bun:        bunx --bun ${NAME} …`,
      `  - use a newer Node.js:    ${show(nodeFloor)} or later (e.g. nvm install 22, or https://nodejs.org)`,
      "  - use the single binary:  no Node, Bun or node_modules needed (see the README, bun run build:bin)",
    ].join("\n"),
  );
  process.exit(2);
}

const source = new URL("../src/bin.ts", import.meta.url);
const built = new URL("../dist/bin.js", import.meta.url);
const entry = isBun && existsSync(source) ? source : built;
if (!existsSync(entry)) {
  console.error(`${NAME}: not built yet; run \`bun run build\` in the repository, or use Bun.`);
  process.exit(2);
}
await import(entry.href);
