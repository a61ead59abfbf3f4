import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, extname, isAbsolute, resolve } from "node:path";

/** Files followed through relative imports; a sink module is small, this only bounds a pathological tree. */
const MAX_FILES = 200;
const EXTENSIONS = ["", ".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", "/index.ts", "/index.js"];

interface BunTranspiler {
  scanImports(code: string): { path: string; kind: string }[];
}
type BunGlobal = { Transpiler: new (options: { loader: string }) => BunTranspiler };

/** The package part of a bare specifier: `zod` → `zod`, `@scope/x/y` → `@scope/x`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

function installedFrom(packageName: string, from: string): boolean {
  let dir = from;
  for (;;) {
    if (existsSync(resolve(dir, "node_modules", packageName, "package.json"))) return true;
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

function loaderFor(file: string): string {
  const ext = extname(file);
  return ext === ".tsx" ? "tsx" : ext === ".ts" || ext === ".mts" || ext === ".cts" ? "ts" : "js";
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = isAbsolute(specifier) ? specifier : resolve(dirname(from), specifier);
  for (const suffix of EXTENSIONS) {
    const candidate = base + suffix;
    if (existsSync(candidate) && !candidate.endsWith("/")) return candidate;
  }
  // TypeScript sources import "./x.js" meaning "./x.ts".
  if (base.endsWith(".js") && existsSync(`${base.slice(0, -3)}.ts`)) return `${base.slice(0, -3)}.ts`;
  return null;
}

/**
 * Under Bun, importing a module whose bare import is not installed next to it makes Bun fetch the package
 * from the registry (auto-install). A user's sink module is checked before it is imported: every package it
 * (or a file it imports relatively) names must be installed where that file is. Returns the first missing
 * one, e.g. `{ specifier: "@upstox-token/core", importer: "/srv/bot/my-sink.ts" }`, or null. Under Node
 * (which never installs) nothing is scanned.
 */
export function findUninstalledImport(entry: string): { specifier: string; importer: string } | null {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun) return null;
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const file = queue.shift()!;
    if (seen.has(file) || file.includes("/node_modules/")) continue;
    seen.add(file);
    let code: string;
    try {
      code = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    let imports: { path: string }[];
    try {
      imports = new bun.Transpiler({ loader: loaderFor(file) }).scanImports(code);
    } catch {
      continue; // A syntax error: importing it reports that, and fetches nothing.
    }
    for (const { path: specifier } of imports) {
      if (specifier.startsWith(".") || isAbsolute(specifier)) {
        const next = resolveRelative(file, specifier);
        if (next) queue.push(next);
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) || isBuiltin(specifier)) continue; // node:, bun:, file:
      if (!installedFrom(packageOf(specifier), dirname(file))) return { specifier, importer: file };
    }
  }
  return null;
}
