import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { cleanEnv, run } from "./run.js";

export interface NodeRuntime {
  /** The node executable. */
  node: string;
  version: string;
  /** Put first on PATH so that `npm` (a `#!/usr/bin/env node` script) runs on this Node too. */
  binDir: string;
  source: "UPSTOX_TOKEN_TEST_NODE" | "PATH" | "cache" | "npm registry";
}

/** Where the Node from the npm registry is kept between runs. */
export function nodeCacheDir(major: number): string {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir());
  return join(base, "upstox-token-tests", `node-${major}`);
}

/** The npm package with the Node binary for this machine (what `npm i node@22` installs underneath). */
export function nodePlatformPackage(): string | undefined {
  const os = { linux: "linux", darwin: "darwin", win32: "win" }[process.platform as string];
  const arch = { x64: "x64", arm64: "arm64" }[process.arch as string];
  return os && arch ? `node-${os}-${arch}` : undefined;
}

async function versionOf(node: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(node, ["-p", "process.versions.node"], {
      cwd: tmpdir(),
      env: cleanEnv(),
      timeoutMs: 15_000,
    });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

const atLeast = (version: string | undefined, major: number): version is string =>
  version !== undefined && Number(version.split(".")[0]) >= major;

function nodeOnPath(): string[] {
  const name = process.platform === "win32" ? "node.exe" : "node";
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .filter((candidate) => existsSync(candidate));
}

/**
 * A Node >= `major`: `UPSTOX_TOKEN_TEST_NODE`, else one on PATH, else the one cached by an earlier run, else
 * installed from the npm registry (the platform package behind `npm i node@22`) into the cache folder.
 * Returns a reason string when none can be had.
 */
export async function findOrInstallNode(major = 22): Promise<NodeRuntime | string> {
  const forced = process.env.UPSTOX_TOKEN_TEST_NODE;
  if (forced) {
    const version = await versionOf(forced);
    if (atLeast(version, major)) {
      return { node: forced, version, binDir: dirname(forced), source: "UPSTOX_TOKEN_TEST_NODE" };
    }
    return `UPSTOX_TOKEN_TEST_NODE=${forced} is not a Node >= ${major} (${version ?? "does not run"})`;
  }
  for (const candidate of nodeOnPath()) {
    const version = await versionOf(candidate);
    if (atLeast(version, major))
      return { node: candidate, version, binDir: dirname(candidate), source: "PATH" };
  }

  const pkg = nodePlatformPackage();
  if (!pkg)
    return `no Node >= ${major} on PATH, and no npm package with Node for ${process.platform}-${process.arch}`;
  const cache = nodeCacheDir(major);
  const binary = (root: string) =>
    join(root, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");
  const cachedVersion = existsSync(binary(cache)) ? await versionOf(binary(cache)) : undefined;
  if (atLeast(cachedVersion, major)) {
    return { node: binary(cache), version: cachedVersion, binDir: dirname(binary(cache)), source: "cache" };
  }

  // Install beside the cache and rename it into place, so a run killed mid-download leaves no half a Node.
  const staging = `${cache}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await run(
      "npm",
      [
        "install",
        "--no-save",
        "--no-package-lock",
        "--ignore-scripts",
        "--prefix",
        staging,
        `${pkg}@${major}`,
      ],
      { cwd: staging, env: cleanEnv(), timeoutMs: 300_000, what: `npm install ${pkg}@${major}` },
    );
    const version = await versionOf(binary(staging));
    if (!atLeast(version, major)) return `${pkg}@${major} from the npm registry does not run here`;
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(dirname(cache), { recursive: true });
    renameSync(staging, cache);
    return { node: binary(cache), version, binDir: dirname(binary(cache)), source: "npm registry" };
  } catch (error) {
    return `could not install ${pkg}@${major} from the npm registry: ${error instanceof Error ? error.message.split("\n")[0] : error}`;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Prints a message nobody can miss: a part of the suite that did not run is not a pass. */
export function loudSkip(what: string, reason: string): void {
  const line = "!".repeat(100);
  console.warn(`\n${line}\n!!! SKIPPED: ${what}\n!!! because: ${reason}\n${line}\n`);
}
