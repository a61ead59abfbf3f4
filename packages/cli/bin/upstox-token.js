#!/usr/bin/env node
// Launcher. It checks the runtime before anything else is imported: an older Node than the package needs
// (better-sqlite3 segfaults under Node 20) gets a message and exit 2, never a crash. In a checkout, Bun on
// PATH is preferred (the sources run as they are). Under Bun it runs the TypeScript source, under Node the
// built dist. Only node: built-ins are imported here, and only ones every Node since 14 has. What only the Node
// hand-over needs (child_process, url) is imported there: under Bun each built-in costs start-up time (`--help`).
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, sep } from "node:path";

const NAME = "upstox-token";
const engines = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines ?? {};

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

const isBun = typeof process.versions.bun === "string";

if (!isBun && process.env.UPSTOX_TOKEN_LAUNCHER_REEXEC !== "1") {
  const { fileURLToPath } = await import("node:url");
  const here = fileURLToPath(import.meta.url);
  const inCheckout = !here.split(sep).includes("node_modules");
  const bun = inCheckout ? bunOnPath() : undefined;
  if (bun) {
    const { spawnSync } = await import("node:child_process");
    // --no-install: a missing package is an error, never a download from the registry.
    const child = spawnSync(bun, ["--no-install", here, ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, UPSTOX_TOKEN_LAUNCHER_REEXEC: "1" },
    });
    if (child.error) {
      console.error(`${NAME}: could not start ${bun}: ${child.error.message}`);
      process.exit(2);
    }
    if (child.signal) process.kill(process.pid, child.signal);
    process.exit(child.status ?? 1);
  }
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
  console.error(`${import.meta.url}: not built yet; run \`bun run build\` in the repository, or use Bun.`);
  process.exit(2);
}
await import(entry.href);
