import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** What a service needs to start this daemon again: a program and the arguments before `--config`. */
export interface ServiceExecutable {
  execPath: string;
  execArgs: string[];
}

/** The facts `serviceExecutable` decides from; `currentProcess()` reads them, tests pass their own. */
export interface RuntimeProbe {
  /** process.argv[1]: the script, or a compiled binary's entry inside its embedded filesystem. */
  script: string | undefined;
  execPath: string;
  bunVersion: string | undefined;
  nodeVersion: string;
  /** An executable of this name on PATH, or null. */
  which: (name: string) => string | null;
  realpath: (path: string) => string;
}

/** The oldest Node that runs the daemon (better-sqlite3 13 crashes on older ones); package.json's engines. */
const NODE_FLOOR = [22, 14] as const;

/**
 * The runtime a unit file names. Under Bun, `bun` as PATH finds it when that is this very binary (a stable
 * name across upgrades, e.g. /usr/bin/bun, instead of the npm package's bin/bun.exe it links to), else the
 * binary that runs now. Under a Node too old for the daemon (the bin's `#!/usr/bin/env node` picks whatever
 * `node` is first), Bun from PATH when there is one.
 */
export function serviceExecutable(probe: RuntimeProbe): ServiceExecutable {
  const script = probe.script;
  // A `bun build --compile` binary reports its entry point inside the embedded filesystem.
  if (script === undefined || script.startsWith("/$bunfs/") || /^[A-Z]:\\~BUN\\/.test(script)) {
    return { execPath: probe.execPath, execArgs: [] };
  }
  const execArgs = [resolve(script)];
  const bun = probe.which("bun");
  if (probe.bunVersion !== undefined) {
    const same = bun !== null && safeRealpath(probe, bun) === safeRealpath(probe, probe.execPath);
    return { execPath: same ? (bun as string) : probe.execPath, execArgs };
  }
  if (!nodeIsNewEnough(probe.nodeVersion) && bun !== null) return { execPath: bun, execArgs };
  return { execPath: probe.execPath, execArgs };
}

function nodeIsNewEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > NODE_FLOOR[0] || (major === NODE_FLOOR[0] && minor >= NODE_FLOOR[1]);
}

function safeRealpath(probe: RuntimeProbe, path: string): string {
  try {
    return probe.realpath(path);
  } catch {
    return path;
  }
}

/** The first executable `name` on PATH (absolute), as a shell would find it. */
export function whichOnPath(name: string, path = process.env.PATH ?? ""): string | null {
  for (const folder of path.split(delimiter)) {
    if (folder === "") continue;
    const candidate = resolve(join(folder, name));
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export function currentProcess(): RuntimeProbe {
  return {
    script: process.argv[1],
    execPath: process.execPath,
    bunVersion: process.versions.bun,
    nodeVersion: process.versions.node,
    which: (name) => whichOnPath(name),
    realpath: (path) => realpathSync(path),
  };
}
