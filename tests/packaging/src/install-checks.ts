import { readFileSync } from "node:fs";
import { join } from "node:path";
import { filesLoading, type InstalledPackage, installedPackages } from "./consumer-project.js";
import type { PackedWorkspace } from "./packed-workspace.js";

/** ioredis and the packages only it brings in. */
const REDIS_PACKAGES = [/redis/i, /^denque$/, /^cluster-key-slot$/, /^standard-as-callback$/, /^@ioredis\//];
const SQLITE_PACKAGES = [/sqlite/i, /^node-addon-api$/, /^bindings$/, /^prebuild-install$/];

export interface InstallReport {
  packages: InstalledPackage[];
  names: string[];
}

export function inspectInstall(projectDir: string): InstallReport {
  const packages = installedPackages(projectDir);
  return { packages, names: [...new Set(packages.map((p) => p.name))].sort() };
}

export function redisPackages(report: InstallReport): string[] {
  return report.packages.filter((p) => REDIS_PACKAGES.some((r) => r.test(p.name))).map((p) => p.path);
}

export function sqlitePackages(report: InstallReport): string[] {
  return report.packages.filter((p) => SQLITE_PACKAGES.some((r) => r.test(p.name))).map((p) => p.path);
}

/** Files under node_modules that load ioredis or a Redis client, whatever package they sit in. */
export function redisLoaders(projectDir: string): string[] {
  return ["ioredis", "redis", "@redis/client", "@upstox-token/sink-redis"].flatMap((m) =>
    filesLoading(projectDir, m),
  );
}

export function sqliteLoaders(projectDir: string): string[] {
  return ["better-sqlite3", "@upstox-token/sink-sqlite"].flatMap((m) => filesLoading(projectDir, m));
}

/** Native addons (*.node) anywhere under node_modules. */
export function nativeAddons(projectDir: string): string[] {
  return [
    ...new Bun.Glob("**/*.node").scanSync({ cwd: join(projectDir, "node_modules"), followSymlinks: true }),
  ];
}

/**
 * Each @upstox-token package installed once, byte for byte the tarball we packed (not a registry namesake,
 * not a second copy that would break `instanceof` between core and a sink).
 */
export function ourPackagesFromTarballs(report: InstallReport, projectDir: string, packed: PackedWorkspace) {
  const problems: string[] = [];
  for (const name of report.names.filter((n) => n.startsWith("@upstox-token/"))) {
    const copies = report.packages.filter((p) => p.name === name);
    if (copies.length !== 1)
      problems.push(`${name} is installed ${copies.length} times: ${copies.map((c) => c.path)}`);
    const tarball = packed.tarballs.get(name);
    if (!tarball) {
      problems.push(`${name} is installed but was not among the tarballs`);
      continue;
    }
    for (const copy of copies) {
      for (const file of tarball.files.filter((f) => f !== "package.json")) {
        const installed = readFileSync(join(projectDir, copy.path, file));
        if (!installed.equals(readFileSync(join(tarball.dir, file))))
          problems.push(`${copy.path}/${file} differs`);
      }
    }
  }
  return problems;
}
