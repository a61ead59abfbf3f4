import { existsSync } from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** How the user can run each program from where they are, and a note when it is not on PATH. */
export interface BinInvocation {
  cli: string;
  daemon: string;
  /** Set when a program is not on PATH: how to put it there. */
  note?: string;
}

/** This package's folder (src/init/ or dist/init/ → the package). */
const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const quote = (path: string) => (/^[\w/.@:+=-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`);

function onPath(name: string, env: Record<string, string | undefined>): boolean {
  return (env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, name)));
}

/** `node_modules/.bin/<name>` in `dir` or a folder above it, as a path relative to `cwd`. */
function localBin(name: string, dir: string, cwd: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const bin = join(at, "node_modules", ".bin", name);
    if (existsSync(bin)) {
      const rel = relative(cwd, bin);
      return rel.startsWith("..") ? bin : `./${rel}`;
    }
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The commands `init`'s "Next:" steps use: the plain name when it is on PATH, else the project's
 * node_modules/.bin, else the launcher this CLI was started from (a checkout), run by the current runtime.
 * `bunx upstox-token` is never suggested: without a local install it asks the registry for a package of that name.
 */
export function binInvocation(
  env: Record<string, string | undefined>,
  dir: string,
  cwd: string,
  packageDir: string = PACKAGE_DIR,
): BinInvocation {
  const runtime = process.versions.bun ? "bun" : "node";
  const missing: string[] = [];
  const find = (name: string, launcher: string, fallback: string): string => {
    if (onPath(name, env)) return name;
    missing.push(name);
    const local = localBin(name, dir, cwd);
    if (local) return local;
    if (existsSync(launcher)) return `${runtime} ${quote(launcher)}`;
    return fallback;
  };
  const cli = find("upstox-token", join(packageDir, "bin", "upstox-token.js"), "npx @upstox-token/cli");
  const daemon = find(
    "upstox-token-daemon",
    resolve(packageDir, "..", "..", "apps", "daemon", "bin", "upstox-token-daemon.js"),
    "bunx --bun -p @upstox-token/daemon upstox-token-daemon",
  );
  if (missing.length === 0) return { cli, daemon };
  return {
    cli,
    daemon,
    note:
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not on PATH here, so the steps spell out the path; ` +
      `to type the name alone, install the package globally (\`bun add -g @upstox-token/cli\`) or add an alias, ` +
      `e.g. alias upstox-token='${cli.replaceAll("'", "")}'`,
  };
}

/** The daemon's JSON Schema, as a path relative to `dir`, when one can be found on disk; else undefined. */
export function daemonSchemaPath(dir: string, packageDir: string = PACKAGE_DIR): string | undefined {
  const name = "upstox-token.config.schema.json";
  const candidates: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    candidates.push(join(at, "node_modules", "@upstox-token", "daemon", name));
    if (dirname(at) === at) break;
  }
  candidates.push(resolve(packageDir, "..", "..", "apps", "daemon", name));
  const found = candidates.find((file) => existsSync(file));
  if (!found) return undefined;
  const rel = relative(dir, found);
  return rel.startsWith("..") ? rel : `./${rel}`;
}
