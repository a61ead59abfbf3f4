// The release path, rehearsed in a temp copy of the repository (never in the real tree): `changeset
// version` bumps the versions and keeps `workspace:` ranges for Bun to resolve, and the root `release`
// script's commands run one by one, the final `changeset publish` as an npm dry run.
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempFolder } from "../src/packed-workspace.js";
import { pendingChangesets } from "../src/release-steps.js";
import { cleanEnv, run } from "../src/run.js";
import { workspaceRanges } from "../src/tarball-checks.js";
import {
  type PackageManifest,
  readManifest,
  repoRoot,
  unpackTarball,
  workspacePackages,
} from "../src/workspace.js";

const PACK_DIR = "node_modules/.cache/upstox-token-release";
const scratch = tempFolder("upstox-token-release-");
const copy = join(scratch, "repo");
const before = new Map(workspacePackages().map((p) => [p.manifest.name, p.manifest]));

/** The bump each package gets from the pending changesets (highest wins), read from their front matter. */
function plannedBumps(root: string): Map<string, "major" | "minor" | "patch"> {
  const rank = { patch: 1, minor: 2, major: 3 } as const;
  const bumps = new Map<string, "major" | "minor" | "patch">();
  for (const file of pendingChangesets(root)) {
    const front = readFileSync(join(root, ".changeset", file), "utf8").split("---")[1] ?? "";
    for (const match of front.matchAll(/^\s*"?([^":\s]+)"?\s*:\s*(major|minor|patch)\s*$/gm)) {
      const [, name, bump] = match as unknown as [string, string, "major" | "minor" | "patch"];
      if (!bumps.has(name) || rank[bump] > rank[bumps.get(name)!]) bumps.set(name, bump);
    }
  }
  return bumps;
}

function bumped(version: string, bump: "major" | "minor" | "patch"): string {
  const [major, minor, patch] = version.split(".").map(Number) as [number, number, number];
  if (bump === "major") return major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

const gitEnv = cleanEnv({
  GIT_AUTHOR_NAME: "release rehearsal",
  GIT_AUTHOR_EMAIL: "release@example.invalid",
  GIT_COMMITTER_NAME: "release rehearsal",
  GIT_COMMITTER_EMAIL: "release@example.invalid",
});
const inCopy = (command: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 240_000) =>
  run(command, args, { cwd: copy, env: { ...gitEnv, ...extra }, timeoutMs });

beforeAll(async () => {
  // The working tree as git sees it: tracked files plus new ones not ignored; no node_modules, no dist.
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repoRoot,
  });
  for (const file of new Set(stdout.split("\0").filter(Boolean))) {
    const from = join(repoRoot, file);
    if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted, or a submodule
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(from, join(copy, file));
  }
  if (pendingChangesets(copy).length === 0) {
    // Nothing pending on main (just after a release): rehearse with a patch release of every package.
    const names = [...before.values()].filter((m) => !m.private).map((m) => `"${m.name}": patch`);
    writeFileSync(join(copy, ".changeset", "rehearsal.md"), `---\n${names.join("\n")}\n---\n\nRehearsal.\n`);
  }
  await inCopy("git", ["init", "-q", "-b", "main"]);
  await inCopy("git", ["add", "-A"]);
  await inCopy("git", ["commit", "-q", "-m", "snapshot"]);
  await inCopy("bun", ["install"]);
}, 300_000);

test("bunx --bun changeset status passes on the real tree", async () => {
  const { stdout } = await run("bunx", ["--bun", "changeset", "status"], { cwd: repoRoot });
  console.log(stdout.trim());
});

describe("from pending changesets to a published release", () => {
  test("the release refuses to publish before `changeset version`", async () => {
    const result = await run("bun", ["run", "release"], { cwd: copy, env: gitEnv, allowFailure: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("bunx --bun changeset version");
  });

  test("changeset version bumps the versions and keeps workspace: ranges", async () => {
    const bumps = plannedBumps(copy);
    expect(bumps.size).toBeGreaterThan(0);
    await inCopy("bunx", ["--bun", "changeset", "version"]);
    expect(pendingChangesets(copy)).toEqual([]);
    for (const { dir, manifest } of workspacePackages(copy)) {
      const old = before.get(manifest.name)!;
      const bump = bumps.get(manifest.name);
      if (bump) {
        expect(`${manifest.name}@${manifest.version}`).toBe(`${manifest.name}@${bumped(old.version, bump)}`);
        expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8")).toContain(`## ${manifest.version}`);
      } else if (old.private) {
        expect(`${manifest.name}@${manifest.version}`).toBe(`${manifest.name}@${old.version}`);
      }
      for (const field of ["dependencies", "peerDependencies", "devDependencies"] as const) {
        for (const [dep, range] of Object.entries(old[field] ?? {})) {
          if (range.startsWith("workspace:")) expect(manifest[field]?.[dep]).toBe(range);
        }
      }
    }
    await inCopy("bun", ["install"]);
    await inCopy("git", ["add", "-A"]);
    await inCopy("git", ["commit", "-q", "-m", "version packages"]);
  }, 300_000);

  test("the release script packs with workspace: ranges resolved and publishes (npm dry run) and tags", async () => {
    const script = (readManifest(copy) as PackageManifest).scripts?.release ?? "";
    const steps = script.split("&&").map((s) => s.trim());
    expect(steps.at(-1)).toStartWith("bunx --bun changeset publish");
    const userconfig = join(scratch, "npmrc-without-credentials");
    writeFileSync(userconfig, "");
    let publishOutput = "";
    for (const step of steps) {
      const publishing = step === steps.at(-1);
      // npm publish --dry-run packs, checks and reports, but uploads nothing; no credentials are offered.
      // As `bun run release` would: the repository's node_modules/.bin first on PATH.
      const extra: Record<string, string> = {
        PATH: `${join(copy, "node_modules", ".bin")}:${process.env.PATH}`,
        ...(publishing ? { npm_config_dry_run: "true", NPM_CONFIG_USERCONFIG: userconfig } : {}),
      };
      const { stdout, stderr } = await inCopy("sh", ["-c", step], extra, 300_000);
      if (publishing) publishOutput = stdout + stderr;
    }

    const published = [...before.values()].filter((m) => !m.private);
    const versions = new Map(workspacePackages(copy).map((p) => [p.manifest.name, p.manifest.version]));
    const plan = JSON.parse(readFileSync(join(copy, PACK_DIR, "publish-plan.json"), "utf8"));
    const planned = plan.plan.flat().filter((r: { kind: string }) => r.kind === "publish");
    expect(planned.map((r: { name: string }) => r.name).sort()).toEqual(published.map((m) => m.name).sort());
    for (const release of planned) {
      const unpacked = await unpackTarball(
        join(copy, PACK_DIR, release.tarball.path),
        join(scratch, "check", release.name.replace(/[@/]/g, "_")),
      );
      expect(workspaceRanges(unpacked)).toEqual([]);
      expect(unpacked.manifest.version).toBe(versions.get(release.name)!);
      for (const [dep, range] of Object.entries(unpacked.manifest.peerDependencies ?? {})) {
        // Peers are declared workspace:^, so they publish as a caret range on the new version.
        if (versions.has(dep)) expect(`${dep}@${range}`).toBe(`${dep}@^${versions.get(dep)}`);
      }
      expect(unpacked.files).toContain("dist/index.js");
      expect(publishOutput).toContain(`${release.name}@${release.version}`);
    }
    // The same dry run by hand for one tarball, where npm's own report can be read.
    const core = planned.find((r: { name: string }) => r.name === "@upstox-token/core");
    const dryRun = await inCopy(
      "npm",
      ["publish", "--dry-run", "--json", join(PACK_DIR, core.tarball.path)],
      {
        NPM_CONFIG_USERCONFIG: userconfig,
      },
    );
    expect(dryRun.stderr).toContain("(dry-run)");
    const report = JSON.parse(dryRun.stdout); // npm 11 keys it by name; older npm prints the entry itself
    expect(report[core.name] ?? report).toMatchObject({ id: `${core.name}@${core.version}` });

    const tags = (await inCopy("git", ["tag"])).stdout.trim().split("\n").sort();
    expect(tags).toEqual(
      planned.map((r: { name: string; version: string }) => `${r.name}@${r.version}`).sort(),
    );
  }, 600_000);

  // The CLI reads its version from package.json, so the bump is all it takes.
  test("upstox-token --version follows changeset version", async () => {
    const version = readManifest(join(copy, "packages/cli")).version;
    const result = await inCopy("bun", ["packages/cli/bin/upstox-token.js", "--version"]);
    expect(result.stdout.trim()).toBe(version);
  });
});
