import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { run } from "./run.js";

export const repoRoot = resolve(import.meta.dir, "../../..");

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  engines?: Record<string, string>;
  files?: string[];
  bin?: Record<string, string> | string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  scripts?: Record<string, string>;
}

export interface WorkspacePackage {
  dir: string;
  manifest: PackageManifest;
}

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest;
}

/** Every workspace package of the repository at `root`, from the root package.json's globs. */
export function workspacePackages(root = repoRoot): WorkspacePackage[] {
  const globs = (readManifest(root) as PackageManifest & { workspaces: string[] }).workspaces;
  const found: WorkspacePackage[] = [];
  for (const pattern of globs) {
    for (const file of new Bun.Glob(`${pattern}/package.json`).scanSync({ cwd: root, onlyFiles: true })) {
      if (file.includes("node_modules")) continue;
      const dir = join(root, file, "..");
      found.push({ dir, manifest: readManifest(dir) });
    }
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The packages a release publishes: every workspace package not marked private. */
export function publishablePackages(root = repoRoot): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => p.manifest.private !== true);
}

/** Dependencies before dependents, so each `tsc` build sees its dependencies' fresh declarations. */
export function buildOrder(packages: WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(packages.map((p) => [p.manifest.name, p]));
  const ordered: WorkspacePackage[] = [];
  const seen = new Set<string>();
  const visit = (p: WorkspacePackage) => {
    if (seen.has(p.manifest.name)) return;
    seen.add(p.manifest.name);
    const m = p.manifest;
    for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.devDependencies })) {
      const inner = byName.get(dep);
      if (inner) visit(inner);
    }
    ordered.push(p);
  };
  for (const p of packages) visit(p);
  return ordered;
}

function newestMtime(dir: string, pattern: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const file of new Bun.Glob(pattern).scanSync({ cwd: dir })) {
    newest = Math.max(newest, statSync(join(dir, file)).mtimeMs);
  }
  return newest;
}

/** Source files without a built counterpart, and built files whose source is gone (they would ship). */
export function distMismatches(dir: string): { unbuilt: string[]; stale: string[] } {
  const sources = [...new Bun.Glob("**/*.ts").scanSync({ cwd: join(dir, "src") })]
    .filter((f) => !f.endsWith(".d.ts"))
    .map((f) => f.replace(/\.ts$/, ""));
  const built = existsSync(join(dir, "dist"))
    ? [...new Bun.Glob("**/*.js").scanSync({ cwd: join(dir, "dist") })].map((f) => f.replace(/\.js$/, ""))
    : [];
  const builtSet = new Set(built);
  const sourceSet = new Set(sources);
  return {
    unbuilt: sources.filter((f) => !builtSet.has(f)).map((f) => `src/${f}.ts`),
    stale: built.filter((f) => !sourceSet.has(f)).map((f) => `dist/${f}.js`),
  };
}

/**
 * Builds each package whose dist is missing or older than its sources (`bun run build`, i.e. tsc), in
 * dependency order. Up-to-date packages are left alone, so tests running beside this one in the same tree
 * never see a dist file being rewritten.
 */
export async function buildIfStale(packages: WorkspacePackage[]): Promise<string[]> {
  const rebuilt: string[] = [];
  for (const p of buildOrder(packages)) {
    if (!p.manifest.scripts?.build) continue;
    const { unbuilt } = distMismatches(p.dir);
    const sourceTime = Math.max(
      newestMtime(join(p.dir, "src"), "**/*.ts"),
      statSync(join(p.dir, "package.json")).mtimeMs,
    );
    const distTime = newestMtime(join(p.dir, "dist"), "**/*.js");
    if (unbuilt.length === 0 && distTime >= sourceTime) continue;
    await run("bun", ["run", "build"], { cwd: p.dir, what: `build ${p.manifest.name}` });
    rebuilt.push(p.manifest.name);
  }
  return rebuilt;
}

/** `bun pm pack` into `outDir`; returns the tarball's path. Bun replaces `workspace:` ranges with versions. */
export async function packPackage(dir: string, outDir: string): Promise<string> {
  const { stdout } = await run("bun", ["pm", "pack", "--destination", outDir, "--quiet"], {
    cwd: dir,
    what: `bun pm pack in ${relative(repoRoot, dir) || dir}`,
  });
  const tarball = stdout.trim().split("\n").at(-1)?.trim();
  if (!tarball || !existsSync(tarball)) throw new Error(`bun pm pack printed no tarball path: ${stdout}`);
  return tarball;
}

export interface UnpackedTarball {
  tarball: string;
  /** The folder holding the package (the tarball's `package/`). */
  dir: string;
  manifest: PackageManifest;
  /** Paths inside the package, sorted, with `/` separators. */
  files: string[];
}

export async function unpackTarball(tarball: string, into: string): Promise<UnpackedTarball> {
  await Bun.$`mkdir -p ${into} && tar -xzf ${tarball} -C ${into}`.quiet();
  const dir = join(into, "package");
  const files = [...new Bun.Glob("**/*").scanSync({ cwd: dir, onlyFiles: true, dot: true })].sort();
  return { tarball, dir, manifest: readManifest(dir), files };
}
