// Steps of the root `release` script that changesets cannot do for a Bun workspace.
//
//   bun tests/packaging/src/release-steps.ts prepare <dir>   refuse while changesets are pending; empty <dir>
//   bun tests/packaging/src/release-steps.ts repack <dir>    re-pack every tarball of `changeset pack` with Bun
//
// Why repack: changesets packs and publishes with npm whenever the package manager is not pnpm or yarn, and
// npm leaves `workspace:*` in the packed package.json, so every published sink would depend on a version
// range no registry can resolve. `bun pm pack` replaces those ranges with the real versions; `changeset
// publish --from-pack-dir` then publishes our tarballs and tags the release.
import { copyFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempFolder } from "./packed-workspace.js";
import { workspaceRanges } from "./tarball-checks.js";
import { packPackage, repoRoot, unpackTarball, workspacePackages } from "./workspace.js";

interface PlannedRelease {
  kind: string;
  name: string;
  version: string;
  tarball?: { path: string; integrity: string };
}

/** Changesets not yet applied by `changeset version`. */
export function pendingChangesets(root = repoRoot): string[] {
  const dir = join(root, ".changeset");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".md") && f.toLowerCase() !== "readme.md");
}

export function prepare(outDir: string, root = repoRoot): void {
  const pending = pendingChangesets(root);
  if (pending.length > 0) {
    throw new Error(
      `pending changesets: ${pending.join(", ")}.\n` +
        "Version first: bunx --bun changeset version && bun install, review the versions and CHANGELOGs, " +
        "commit, then bun run release.",
    );
  }
  rmSync(outDir, { recursive: true, force: true });
}

/** Replaces each tarball in `<outDir>/publish-plan.json` by Bun's pack of the same package and version. */
export async function repack(outDir: string, root = repoRoot): Promise<string[]> {
  const planFile = join(outDir, "publish-plan.json");
  const plan = (await Bun.file(planFile).json()) as { version: number; plan: PlannedRelease[][] };
  const packages = new Map(workspacePackages(root).map((p) => [p.manifest.name, p]));
  const scratch = tempFolder("upstox-token-repack-");
  const done: string[] = [];
  for (const release of plan.plan.flat()) {
    if (release.kind !== "publish" || !release.tarball) continue;
    const pkg = packages.get(release.name);
    if (!pkg) throw new Error(`${release.name} is in the publish plan but not in the workspace`);
    const tarball = await packPackage(pkg.dir, scratch);
    const unpacked = await unpackTarball(tarball, join(scratch, "check", release.name.replace(/[@/]/g, "_")));
    const left = workspaceRanges(unpacked);
    if (left.length > 0) throw new Error(`${release.name}: bun pm pack left ${left.join(", ")}`);
    if (unpacked.manifest.version !== release.version) {
      throw new Error(
        `${release.name}: packed ${unpacked.manifest.version}, the plan says ${release.version}`,
      );
    }
    copyFileSync(tarball, join(outDir, release.tarball.path));
    done.push(`${release.name}@${release.version}`);
  }
  return done;
}

if (import.meta.main) {
  const [step, dir] = process.argv.slice(2);
  if ((step !== "prepare" && step !== "repack") || !dir) {
    console.error("usage: bun tests/packaging/src/release-steps.ts prepare|repack <pack-dir>");
    process.exit(2);
  }
  const outDir = resolve(process.cwd(), dir);
  try {
    if (step === "prepare") prepare(outDir);
    else console.log(`re-packed with bun (workspace: ranges resolved): ${(await repack(outDir)).join(", ")}`);
  } catch (error) {
    console.error(`release: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
