import { beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { type PackedWorkspace, packedWorkspace } from "../src/packed-workspace.js";
import {
  distSourceMismatches,
  enginesStricterThanOurs,
  entryPoints,
  launcherTargets,
  readmeReferencedFiles,
  typesNotFirst,
  undeclaredImports,
  unexpectedFiles,
  workspaceRanges,
} from "../src/tarball-checks.js";
import { publishablePackages, workspacePackages } from "../src/workspace.js";

let packed: PackedWorkspace;

beforeAll(async () => {
  packed = await packedWorkspace();
  if (packed.rebuilt.length > 0) console.log(`rebuilt before packing: ${packed.rebuilt.join(", ")}`);
  for (const [name, t] of packed.tarballs) {
    const kb = (statSync(t.tarball).size / 1024).toFixed(1);
    console.log(`${name}@${t.manifest.version}: ${t.files.length} files, ${kb} KiB packed`);
  }
}, 120_000);

const versions = new Map(workspacePackages().map((p) => [p.manifest.name, p.manifest.version]));

describe.each(publishablePackages().map((p) => [p.manifest.name, p] as const))("%s", (name, pkg) => {
  const tarball = () => packed.tarballs.get(name)!;

  test("no workspace: range is left; internal packages resolve to their current versions", () => {
    expect(workspaceRanges(tarball())).toEqual([]);
    const m = tarball().manifest;
    const source = pkg.manifest;
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
      for (const [dep, range] of Object.entries(source[field] ?? {})) {
        if (!range.startsWith("workspace:")) continue;
        // workspace:* pins the exact version; workspace:^ (used for peers, so a core patch does not break
        // users with ERESOLVE) becomes ^version.
        const prefix = range === "workspace:^" ? "^" : range === "workspace:~" ? "~" : "";
        expect(`${field}.${dep}@${m[field]?.[dep]}`).toBe(`${field}.${dep}@${prefix}${versions.get(dep)}`);
      }
    }
  });

  test("ships every file its exports, bins, bin launchers and README point at", () => {
    const t = tarball();
    const needed = [
      "package.json",
      "README.md",
      ...entryPoints(t),
      ...launcherTargets(t),
      ...readmeReferencedFiles(t),
    ];
    expect(needed.filter((file) => !t.files.includes(file))).toEqual([]);
  });

  test("ships nothing else: no tests, fixtures or configs; dist matches src", () => {
    const t = tarball();
    expect(unexpectedFiles(t)).toEqual([]);
    expect(distSourceMismatches(t)).toEqual([]);
  });

  test("loads only modules it declares as dependencies (dist for Node, src for Bun)", () => {
    expect(undeclaredImports(tarball())).toEqual([]);
  });

  test("declares engines no looser than its dependencies' and publishes publicly", () => {
    const m = tarball().manifest;
    expect(enginesStricterThanOurs(pkg, tarball())).toEqual([]);
    expect(m.engines?.bun).toBeString();
    expect(m.type).toBe("module");
    expect(m.publishConfig?.access).toBe("public");
    expect(typesNotFirst(tarball())).toEqual([]);
  });
});
