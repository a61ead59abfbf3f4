// `bun run pack`, the install path the README offers while nothing is published: the root script writes a
// tarball per published package with no `workspace:` range left, prints `bun add` lines whose paths exist, and
// its commands project installs both commands from those tarballs alone (our packages never come from the
// registry, where they do not exist yet) and runs them under Bun.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempFolder } from "../src/packed-workspace.js";
import { run } from "../src/run.js";
import { workspaceRanges } from "../src/tarball-checks.js";
import { publishablePackages, repoRoot, unpackTarball } from "../src/workspace.js";

test("bun run pack writes installable tarballs and a commands project that runs both commands", async () => {
  const out = tempFolder("upstox-token-pack-");
  const { stdout } = await run("bun", ["run", "pack", out], { cwd: repoRoot, what: "bun run pack" });

  for (const p of publishablePackages()) {
    const tarball = join(
      out,
      `${p.manifest.name.replace("@", "").replace("/", "-")}-${p.manifest.version}.tgz`,
    );
    expect(stdout).toContain(tarball);
    const unpacked = await unpackTarball(
      tarball,
      join(out, "unpacked", p.manifest.name.replace(/[@/]/g, "_")),
    );
    expect(workspaceRanges(unpacked)).toEqual([]);
  }
  const addLines = stdout.split("\n").filter((line) => line.trim().startsWith("bun add "));
  expect(addLines.length).toBeGreaterThanOrEqual(2);
  for (const line of addLines) {
    for (const path of line.trim().split(/\s+/).slice(2)) expect(existsSync(path)).toBe(true);
  }

  const project = join(out, "commands");
  expect(stdout).toContain(`cd ${project} && bun install && bunx --bun upstox-token --help`);
  const { stdout: installLog, stderr } = await run("bun", ["install"], {
    cwd: project,
    what: "bun install in the commands project",
    timeoutMs: 300_000,
  });
  expect(`${installLog}${stderr}`).not.toContain("404");
  const cliVersion = await run("bunx", ["--bun", "upstox-token", "--version"], { cwd: project });
  expect(cliVersion.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  const daemonHelp = await run("bunx", ["--bun", "upstox-token-daemon", "--help"], { cwd: project });
  expect(daemonHelp.stdout).toContain("Usage: upstox-token-daemon");
}, 300_000);
