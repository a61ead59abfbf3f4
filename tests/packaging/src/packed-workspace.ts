import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildIfStale,
  packPackage,
  publishablePackages,
  type UnpackedTarball,
  unpackTarball,
  type WorkspacePackage,
} from "./workspace.js";

export interface PackedWorkspace {
  /** A temp folder for this run: tarballs/, unpacked/ and the test projects. */
  root: string;
  packages: WorkspacePackage[];
  /** By package name. */
  tarballs: Map<string, UnpackedTarball>;
  /** Packages whose dist was rebuilt before packing. */
  rebuilt: string[];
  tarball(name: string): string;
}

const tempFolders = new Set<string>();

/**
 * A fresh temp folder, removed by `removeTempFolders()` (test/setup.ts calls it after the whole run; `bun
 * test` does not emit "exit") or when a plain script exits, unless UPSTOX_TOKEN_KEEP_TEMP is set.
 */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempFolders.add(dir);
  if (tempFolders.size === 1) process.once("exit", removeTempFolders);
  return dir;
}

export function removeTempFolders(): void {
  if (process.env.UPSTOX_TOKEN_KEEP_TEMP) {
    for (const dir of tempFolders) console.log(`kept ${dir}`);
    return;
  }
  for (const dir of tempFolders) rmSync(dir, { recursive: true, force: true });
  tempFolders.clear();
}

let packing: Promise<PackedWorkspace> | undefined;

/** Builds (where stale) and packs every publishable package once per test process. */
export function packedWorkspace(): Promise<PackedWorkspace> {
  packing ??= (async () => {
    const root = tempFolder("upstox-token-packaging-");
    const packages = publishablePackages();
    const rebuilt = await buildIfStale(packages);
    const tarballs = new Map<string, UnpackedTarball>();
    mkdirSync(join(root, "tarballs"));
    for (const p of packages) {
      const tarball = await packPackage(p.dir, join(root, "tarballs"));
      const into = join(root, "unpacked", p.manifest.name.replace(/[@/]/g, "_"));
      tarballs.set(p.manifest.name, await unpackTarball(tarball, into));
    }
    return {
      root,
      packages,
      tarballs,
      rebuilt,
      tarball(name: string) {
        const found = tarballs.get(name);
        if (!found) throw new Error(`${name} was not packed`);
        return found.tarball;
      },
    };
  })();
  return packing;
}
