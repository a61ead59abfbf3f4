/**
 * `bun run pack [folder]`: installable tarballs of every published package, from a checkout, before (or
 * without) a release. The same `bun pm pack` the release and these tests use, so `workspace:*` ranges become
 * the packages' versions. Writes into `packed/` at the repository's root unless a folder is given.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { buildIfStale, packPackage, publishablePackages, repoRoot } from "./workspace.js";

export interface PackedTarballs {
  folder: string;
  /** Tarball path by package name. */
  tarballs: Map<string, string>;
  /** A project folder that installs both commands from the tarballs. */
  commandsProject: string;
}

/** Builds what is stale, then packs every publishable package into `folder` (old tarballs there removed). */
export async function packTarballs(folder: string): Promise<PackedTarballs> {
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(folder)) {
    if (file.endsWith(".tgz")) rmSync(join(folder, file));
  }
  const packages = publishablePackages();
  await buildIfStale(packages);
  const tarballs = new Map<string, string>();
  for (const p of packages) tarballs.set(p.manifest.name, await packPackage(p.dir, folder));
  return { folder, tarballs, commandsProject: writeCommandsProject(folder, tarballs) };
}

/** A tarball's dependencies on our own packages must be installed from tarballs too: nothing is published. */
const RECIPES: { what: string; packages: string[] }[] = [
  { what: "a library user with SQLite", packages: ["core", "http-body", "sink-sqlite"] },
  { what: "a library user with Redis", packages: ["core", "http-body", "sink-redis"] },
];

/**
 * The commands' packages depend on each other (the daemon on the CLI, the CLI on every sink), which a `bun add`
 * of tarballs cannot resolve without the registry: a ready project whose overrides point every one of our
 * packages at its tarball.
 */
function writeCommandsProject(folder: string, tarballs: Map<string, string>): string {
  const dir = join(folder, "commands");
  mkdirSync(dir, { recursive: true });
  const fileRange = (name: string) => `file:../${basename(tarballs.get(name) as string)}`;
  const ours = [...tarballs.keys()].filter((name) => name !== "@upstox-token/sink-test-suite");
  const manifest = {
    name: "upstox-token-commands",
    private: true,
    description: "upstox-token and upstox-token-daemon from the tarballs beside this folder",
    dependencies: Object.fromEntries(
      ["@upstox-token/cli", "@upstox-token/daemon"].map((name) => [name, fileRange(name)]),
    ),
    overrides: Object.fromEntries(ours.map((name) => [name, fileRange(name)])),
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

/** What to type next: one `bun add` line per recipe, with paths as the user's shell sees them. */
export function installInstructions(packed: PackedTarballs, cwd: string): string {
  const shown = (path: string) => {
    const rel = relative(cwd, path);
    return rel.startsWith("..") ? path : `./${rel}`;
  };
  const lines = [`packed ${packed.tarballs.size} packages into ${shown(packed.folder)}:`];
  for (const path of packed.tarballs.values()) lines.push(`  ${shown(path)}`);
  lines.push(
    "",
    "install them in your project with bun add (or npm i), giving every tarball the package needs:",
  );
  for (const recipe of RECIPES) {
    const paths = recipe.packages.map((name) => packed.tarballs.get(`@upstox-token/${name}`));
    if (paths.some((p) => p === undefined)) continue;
    // Absolute: the project they go into is elsewhere.
    lines.push(`  # ${recipe.what}`, `  bun add ${paths.join(" ")}`);
  }
  lines.push(
    "",
    "the commands (upstox-token, upstox-token-daemon), from a project that points every package at its tarball:",
    `  cd ${packed.commandsProject} && bun install && bunx --bun upstox-token --help`,
  );
  return `${lines.join("\n")}\n`;
}

if (import.meta.main) {
  const folder = resolve(process.argv[2] ?? join(repoRoot, "packed"));
  const packed = await packTarballs(folder);
  process.stdout.write(installInstructions(packed, process.env.INIT_CWD ?? process.cwd()));
}
