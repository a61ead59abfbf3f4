import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import type { UnpackedTarball, WorkspacePackage } from "./workspace.js";
import { readManifest, repoRoot } from "./workspace.js";

const DEPENDENCY_FIELDS = [
  "dependencies",
  "peerDependencies",
  "optionalDependencies",
  "devDependencies",
] as const;

/** `workspace:` ranges left in the packed package.json (npm and registries cannot resolve them). */
export function workspaceRanges(tarball: UnpackedTarball): string[] {
  const left: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(tarball.manifest[field] ?? {})) {
      if (range.startsWith("workspace:")) left.push(`${field}.${name}: ${range}`);
    }
  }
  return left;
}

/** Every file path that `exports` and `bin` point at, without the leading `./`. */
export function entryPoints(tarball: UnpackedTarball): string[] {
  const targets: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === "string") targets.push(value.replace(/^\.\//, ""));
    else if (value && typeof value === "object") for (const inner of Object.values(value)) collect(inner);
  };
  collect(tarball.manifest.exports);
  collect(tarball.manifest.bin);
  return targets;
}

/** Files a bin launcher loads (`new URL("../dist/bin.js", import.meta.url)`), which must ship with it. */
export function launcherTargets(tarball: UnpackedTarball): string[] {
  const targets: string[] = [];
  for (const file of tarball.files.filter((f) => f.startsWith("bin/"))) {
    const text = readFileSync(join(tarball.dir, file), "utf8");
    for (const match of text.matchAll(/new URL\(\s*["']\.\.\/([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      targets.push(match[1]!);
    }
  }
  return targets;
}

/** Files the README tells users to reach inside node_modules (e.g. a JSON schema for `$schema`). */
export function readmeReferencedFiles(tarball: UnpackedTarball): string[] {
  const readme = join(tarball.dir, "README.md");
  if (!existsSync(readme)) return [];
  const name = tarball.manifest.name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`node_modules/${name}/([\\w./-]+\\w)`, "g");
  return [...readFileSync(readme, "utf8").matchAll(pattern)].map((m) => m[1]!);
}

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^CHANGELOG\.md$/,
  /^dist\/.+\.(js|d\.ts)$/,
  /^src\/.+\.ts$/,
  /^bin\/[^/]+\.js$/,
  /^[\w.-]+\.schema\.json$/,
];
const TEST_LIKE = /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\.[cm]?[jt]s$/;

/** Files that do not belong in a published package: tests, configs, anything outside the known folders. */
export function unexpectedFiles(tarball: UnpackedTarball): string[] {
  return tarball.files.filter((f) => TEST_LIKE.test(f) || !ALLOWED.some((pattern) => pattern.test(f)));
}

/** dist files whose source is not shipped (stale builds) and shipped sources that were never built. */
export function distSourceMismatches(tarball: UnpackedTarball): string[] {
  const sources = new Set(
    tarball.files.filter((f) => f.startsWith("src/") && f.endsWith(".ts")).map((f) => f.slice(4, -3)),
  );
  const built = new Set(
    tarball.files.filter((f) => f.startsWith("dist/") && f.endsWith(".js")).map((f) => f.slice(5, -3)),
  );
  return [
    ...[...built].filter((f) => !sources.has(f)).map((f) => `dist/${f}.js has no src/${f}.ts (stale build?)`),
    ...[...sources].filter((f) => !built.has(f)).map((f) => `src/${f}.ts was not built to dist/${f}.js`),
  ];
}

const builtins = new Set(builtinModules);

function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Bare module names a file loads at run time (type-only imports and exports are left out). */
export function runtimeImports(source: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /^\s*import\s+(?!type\b)(?:[^'";]*?\sfrom\s*)?["']([^"']+)["']/gm,
    /^\s*export\s+(?!type\b)[^'";]*?\sfrom\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1]!;
      if (specifier.startsWith(".") || specifier.startsWith("/")) continue;
      names.add(specifier);
    }
  }
  return [...names];
}

/**
 * Modules loaded by the shipped code (dist for Node, src for Bun) that the package does not declare as a
 * dependency: a user's install would not have them. `bun:` modules are only allowed in src.
 */
export function undeclaredImports(tarball: UnpackedTarball): string[] {
  const m = tarball.manifest;
  const declared = new Set([
    m.name,
    ...Object.keys(m.dependencies ?? {}),
    ...Object.keys(m.peerDependencies ?? {}),
    ...Object.keys(m.optionalDependencies ?? {}),
  ]);
  const problems: string[] = [];
  for (const file of tarball.files.filter((f) => /^(dist\/.+\.js|src\/.+\.ts|bin\/.+\.js)$/.test(f))) {
    const source = readFileSync(join(tarball.dir, file), "utf8");
    for (const specifier of runtimeImports(source)) {
      if (specifier.startsWith("node:") || builtins.has(specifier)) continue;
      if (specifier.startsWith("bun:")) {
        if (!file.startsWith("src/")) problems.push(`${file} loads ${specifier}, which Node does not have`);
        continue;
      }
      if (!declared.has(packageNameOf(specifier))) {
        problems.push(`${file} loads "${specifier}" but ${packageNameOf(specifier)} is not a dependency`);
      }
    }
  }
  return problems;
}

/** Node versions to probe ranges with, ascending: every x.y.0 and x.y.99 of Node 12 to 30. */
export const NODE_PROBES = Array.from({ length: 19 }, (_, i) => i + 12).flatMap((major) =>
  Array.from({ length: 40 }, (_, minor) => [`${major}.${minor}.0`, `${major}.${minor}.99`]).flat(),
);

/** Bun versions to probe ranges with, ascending: every 1.y.z up to 1.19.60. */
export const BUN_PROBES = Array.from({ length: 20 }, (_, minor) =>
  Array.from({ length: 61 }, (_, patch) => `1.${minor}.${patch}`),
).flat();

/** Versions `ours` allows that `theirs` does not (empty when ours is at least as strict). */
export function allowedButUnsupported(ours: string, theirs: string, probes = NODE_PROBES): string[] {
  return probes.filter((v) => Bun.semver.satisfies(v, ours) && !Bun.semver.satisfies(v, theirs));
}

function dependencyManifest(workspaceDir: string, name: string) {
  for (const dir of [workspaceDir, repoRoot]) {
    const path = join(dir, "node_modules", name, "package.json");
    if (existsSync(path)) return readManifest(join(path, ".."));
  }
  return undefined;
}

/**
 * Runtime dependencies whose `engines.node` or `engines.bun` is stricter than the package's own: the package
 * would promise a runtime its dependencies refuse.
 */
export function enginesStricterThanOurs(pkg: WorkspacePackage, tarball: UnpackedTarball): string[] {
  const problems: string[] = [];
  const runtime = { ...tarball.manifest.dependencies, ...tarball.manifest.peerDependencies };
  for (const [engine, probes] of [
    ["node", NODE_PROBES],
    ["bun", BUN_PROBES],
  ] as const) {
    const ours = tarball.manifest.engines?.[engine];
    if (!ours) {
      problems.push(`no engines.${engine} declared`);
      continue;
    }
    for (const name of Object.keys(runtime)) {
      const theirs = dependencyManifest(pkg.dir, name)?.engines?.[engine];
      if (!theirs) continue;
      const gap = allowedButUnsupported(ours, theirs, probes);
      if (gap.length > 0)
        problems.push(`engines.${engine} "${ours}" allows ${gap[0]}, but ${name} needs "${theirs}"`);
    }
  }
  return problems;
}

/** In each `exports` condition object, `types` must come first or TypeScript may never see it. */
export function typesNotFirst(tarball: UnpackedTarball): string[] {
  const problems: string[] = [];
  const exportsMap = (tarball.manifest.exports ?? {}) as Record<string, unknown>;
  for (const [subpath, conditions] of Object.entries(exportsMap)) {
    if (!conditions || typeof conditions !== "object") continue;
    const keys = Object.keys(conditions);
    if (keys.includes("types") && keys[0] !== "types")
      problems.push(`exports["${subpath}"]: types is not first`);
  }
  return problems;
}
