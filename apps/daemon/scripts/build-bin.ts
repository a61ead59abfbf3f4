#!/usr/bin/env bun
/**
 * Single binaries: `bun build --compile` of the daemon and the CLI, built-in sinks included, into <repo>/bin/
 * with a SHA256SUMS file (`sha256sum -c SHA256SUMS` checks it).
 *
 *   bun scripts/build-bin.ts                      # this machine's target
 *   bun scripts/build-bin.ts --target linux-arm64 --target darwin-arm64
 *   bun scripts/build-bin.ts --all                # every target better-sqlite3 ships a prebuild for
 *   bun scripts/build-bin.ts --only cli           # just one of the two programs
 *
 * better-sqlite3 finds its native addon at run time by probing the file system, which a compiled binary cannot
 * follow (it would load the .node from the build machine's node_modules, or fail elsewhere). The package
 * also ships one entry point per platform (`better-sqlite3/linux-x64`, …) that `require`s its prebuild by a
 * literal path; Bun embeds a .node required that way and loads it from a temp file at run time. So the build
 * points `better-sqlite3` at the entry point for the target being built.
 *
 * Cross-compiling needs Bun's runtime for the other target: Bun downloads it once (from npm) into its cache,
 * or takes `--compile-executable-path`-style local copies via BUN_COMPILE_EXECUTABLE_<TARGET> env vars.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolve(import.meta.dir, "..", "..", "..");

/** Bun compile targets, and the better-sqlite3 prebuild entry that runs on each. */
export const TARGETS = {
  "linux-x64": { bun: "bun-linux-x64", sqlite: "linux-x64", exe: "" },
  "linux-arm64": { bun: "bun-linux-arm64", sqlite: "linux-arm64", exe: "" },
  "linux-x64-musl": { bun: "bun-linux-x64-musl", sqlite: "linuxmusl-x64", exe: "" },
  "linux-arm64-musl": { bun: "bun-linux-arm64-musl", sqlite: "linuxmusl-arm64", exe: "" },
  "darwin-x64": { bun: "bun-darwin-x64", sqlite: "darwin-x64", exe: "" },
  "darwin-arm64": { bun: "bun-darwin-arm64", sqlite: "darwin-arm64", exe: "" },
  "windows-x64": { bun: "bun-windows-x64", sqlite: "win32-x64", exe: ".exe" },
} as const;
export type TargetName = keyof typeof TARGETS;

export const PROGRAMS = {
  daemon: { entry: join(repoRoot, "apps", "daemon", "src", "bin.ts"), name: "upstox-token-daemon" },
  cli: { entry: join(repoRoot, "packages", "cli", "src", "bin.ts"), name: "upstox-token" },
} as const;
export type ProgramName = keyof typeof PROGRAMS;

export function hostTarget(): TargetName {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  if (process.platform === "darwin") return `darwin-${arch}`;
  if (process.platform === "win32") return "windows-x64";
  // musl hosts (Alpine) need the musl build; glibc's loader is mapped into a glibc process.
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header?.glibcVersionRuntime;
  return glibc ? `linux-${arch}` : `linux-${arch}-musl`;
}

/** Resolves `better-sqlite3` to the target's prebuild entry point, so its .node is embedded. */
function embedBetterSqlite3(target: TargetName): Bun.BunPlugin {
  return {
    name: "embed-better-sqlite3",
    setup(build) {
      build.onResolve({ filter: /^better-sqlite3$/ }, (args) => ({
        path: createRequire(args.importer).resolve(`better-sqlite3/${TARGETS[target].sqlite}`),
      }));
    },
  };
}

export interface BuiltBinary {
  program: ProgramName;
  target: TargetName;
  path: string;
  bytes: number;
  sha256: string;
}

export async function buildBinary(
  program: ProgramName,
  target: TargetName,
  outDir: string,
): Promise<BuiltBinary> {
  const { entry, name } = PROGRAMS[program];
  const outfile = join(outDir, `${name}-${target}${TARGETS[target].exe}`);
  const result = await Bun.build({
    entrypoints: [entry],
    compile: {
      target: TARGETS[target].bun,
      outfile,
      // Behave like `node dist/bin.js`: no .env or bunfig.toml picked up from whatever folder it runs in.
      // (The env sink writes a .env; the binary must not read it back as its own configuration.)
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    plugins: [embedBetterSqlite3(target)],
    minify: true,
    sourcemap: "linked",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  if (!result.success) {
    const messages = result.logs.map((log) => String(log.message ?? log)).join("\n");
    throw new Error(`bun build --compile ${program} for ${target} failed:\n${messages}`);
  }
  const bytes = await readFile(outfile);
  return {
    program,
    target,
    path: outfile,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** `sha256sum`'s format, so `cd bin && sha256sum -c SHA256SUMS` verifies a download. */
export async function writeChecksums(outDir: string, built: BuiltBinary[]): Promise<string> {
  const file = join(outDir, "SHA256SUMS");
  const previous = await readFile(file, "utf8").catch(() => "");
  const entries = new Map<string, string>();
  for (const line of previous.split("\n")) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) entries.set(m[2]!, m[1]!);
  }
  for (const b of built) entries.set(basename(b.path), b.sha256);
  const text = [...entries]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, h]) => `${h}  ${f}\n`)
    .join("");
  await writeFile(file, text);
  return file;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      out: { type: "string", default: join(repoRoot, "bin") },
      clean: { type: "boolean", default: false },
    },
  });
  const targets = (values.all ? Object.keys(TARGETS) : (values.target ?? [hostTarget()])) as TargetName[];
  for (const t of targets) {
    if (!(t in TARGETS)) {
      console.error(`unknown target "${t}"; known: ${Object.keys(TARGETS).join(", ")}`);
      return 2;
    }
  }
  const programs = (values.only ?? Object.keys(PROGRAMS)) as ProgramName[];
  for (const p of programs) {
    if (!(p in PROGRAMS)) {
      console.error(`unknown program "${p}"; known: ${Object.keys(PROGRAMS).join(", ")}`);
      return 2;
    }
  }
  const outDir = resolve(values.out);
  if (values.clean) await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const built: BuiltBinary[] = [];
  const failed: string[] = [];
  for (const target of targets) {
    for (const program of programs) {
      const started = performance.now();
      try {
        const b = await buildBinary(program, target, outDir);
        built.push(b);
        const mb = (b.bytes / 1_048_576).toFixed(1);
        console.log(`built ${b.path} (${mb} MB, ${Math.round(performance.now() - started)} ms)`);
      } catch (error) {
        failed.push(`${program} ${target}`);
        console.error(error instanceof Error ? error.message : error);
      }
    }
  }
  if (built.length > 0) console.log(`checksums: ${await writeChecksums(outDir, built)}`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(", ")}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main();
