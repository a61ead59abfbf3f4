import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from "node:fs";
import { delimiter, join, relative } from "node:path";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import type { NodeRuntime } from "./node-runtime.js";
import { cleanEnv, run } from "./run.js";
import { repoRoot } from "./workspace.js";

export const exampleDir = join(repoRoot, "examples", "node-consumer");

/** How the project is installed and run: npm then a Node, or `bun add` then a Bun (this one unless given). */
export type Installer = { kind: "npm"; node: NodeRuntime } | { kind: "bun"; bun?: NodeRuntime };

/** The executable that runs the project's scripts. */
export function runtimeCommand(installer: Installer): string {
  return installer.kind === "npm" ? installer.node.node : (installer.bun?.node ?? process.execPath);
}

export function runtimeLabel(installer: Installer): string {
  return installer.kind === "npm"
    ? `node ${installer.node.version}`
    : `bun ${installer.bun?.version ?? Bun.version}`;
}

/** The environment under which a runtime and its package manager run: that runtime's Node first on PATH. */
export function runtimeEnv(installer: Installer, extra: Record<string, string | undefined> = {}) {
  const path =
    installer.kind === "npm"
      ? `${installer.node.binDir}${delimiter}${process.env.PATH ?? ""}`
      : process.env.PATH;
  const cafile = installer.kind === "npm" ? systemNpmCafile() : undefined;
  return cleanEnv({ PATH: path, ...(cafile ? { npm_config_cafile: cafile } : {}), ...extra });
}

let cafileMemo: string | null | undefined;
/**
 * The CA file the machine's own npm is configured with (its global npmrc). npm run on a downloaded Node looks
 * for the global npmrc beside that Node, so without this it cannot verify a registry behind a TLS proxy.
 */
function systemNpmCafile(): string | undefined {
  if (process.env.npm_config_cafile) return undefined;
  if (cafileMemo === undefined) {
    const result = Bun.spawnSync(["npm", "config", "get", "cafile"], { env: cleanEnv(), stderr: "ignore" });
    const value = result.stdout.toString().trim();
    cafileMemo = result.exitCode === 0 && value && value !== "null" && value !== "undefined" ? value : null;
  }
  return cafileMemo ?? undefined;
}

/** "upstox-token-http-body-0.1.0.tgz" → "@upstox-token/http-body" (bun pm pack's naming). */
function tarballPackageName(tarball: string): string {
  const file = tarball.split(/[\\/]/).at(-1) ?? tarball;
  const name = /^upstox-token-(.+?)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)?.[1];
  if (!name) throw new Error(`not one of our tarballs: ${file}`);
  return `@upstox-token/${name}`;
}

/**
 * A new project as a user starts one (a package.json, nothing else), the consumer examples copied in, and
 * only `tarballs` installed: by npm (on the given Node) or by `bun add`. Their third-party dependencies come
 * from the registry.
 */
export async function createConsumerProject(dir: string, installer: Installer, tarballs: string[]) {
  mkdirSync(dir, { recursive: true });
  // `bun add` of tarballs does not resolve one tarball's dependency on another (core on http-body) without the
  // registry: point our packages at their tarballs, as a user installing from tarballs would.
  const overrides =
    installer.kind === "bun"
      ? Object.fromEntries(tarballs.map((t) => [tarballPackageName(t), `file:${t}`]))
      : {};
  const manifest = { name: "consumer", version: "1.0.0", private: true, type: "module", overrides };
  await Bun.write(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of readdirSync(exampleDir).filter((f) => f.endsWith(".js"))) {
    copyFileSync(join(exampleDir, file), join(dir, file));
  }
  const env = runtimeEnv(installer);
  if (installer.kind === "npm") {
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], {
      cwd: dir,
      env,
      timeoutMs: 300_000,
      what: "npm install of the tarballs",
    });
  } else {
    await run("bun", ["add", ...tarballs], {
      cwd: dir,
      env,
      timeoutMs: 300_000,
      what: "bun add of the tarballs",
    });
  }
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** Where it is, relative to the project. */
  path: string;
}

/** Every package under the project's node_modules, nested copies and symlinked layouts included. */
export function installedPackages(projectDir: string): InstalledPackage[] {
  const found: InstalledPackage[] = [];
  const visited = new Set<string>();
  const walkModules = (modulesDir: string) => {
    if (!existsSync(modulesDir)) return;
    for (const entry of readdirSync(modulesDir)) {
      if (entry.startsWith(".")) {
        // bun's isolated store (node_modules/.bun/<pkg>@<version>/node_modules/...) holds packages too.
        if (entry === ".bun" || entry === ".pnpm") {
          for (const stored of readdirSync(join(modulesDir, entry))) {
            walkModules(join(modulesDir, entry, stored, "node_modules"));
          }
        }
        continue;
      }
      const full = join(modulesDir, entry);
      if (entry.startsWith("@")) {
        for (const scoped of readdirSync(full)) visitPackage(join(full, scoped));
      } else {
        visitPackage(full);
      }
    }
  };
  const visitPackage = (dir: string) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return; // a dangling link
    }
    if (visited.has(real) || !statSync(real).isDirectory()) return;
    visited.add(real);
    const manifestPath = join(real, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: string; version?: string };
      if (manifest.name) {
        found.push({ name: manifest.name, version: manifest.version ?? "", path: relative(projectDir, dir) });
      }
    }
    walkModules(join(real, "node_modules"));
  };
  walkModules(join(projectDir, "node_modules"));
  return found;
}

/** Source files under node_modules that load `moduleName` (import, dynamic import or require). */
export function filesLoading(projectDir: string, moduleName: string): string[] {
  const escaped = moduleName.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(
    `(?:from\\s*|import\\s*\\(\\s*|require\\s*\\(\\s*)["']${escaped}(?:/[^"']*)?["']`,
  );
  const hits: string[] = [];
  const root = join(projectDir, "node_modules");
  for (const file of new Bun.Glob("**/*.{js,cjs,mjs,ts,mts,cts}").scanSync({
    cwd: root,
    followSymlinks: true,
  })) {
    if (file.endsWith(".d.ts")) continue;
    if (pattern.test(readFileSync(join(root, file), "utf8"))) hits.push(file);
  }
  return hits;
}

/** UPSTOX_* for the emulator's demo app and user, as a user's .env would hold them for real Upstox. */
export function emulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    UPSTOX_USERNAME: DEMO_USER.mobile,
    UPSTOX_PIN_CODE: DEMO_USER.pin,
    UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
    UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
    UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
    UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
    UPSTOX_API_BASE: emulatorUrl,
    UPSTOX_SERVICE_BASE: emulatorUrl,
  };
}

export interface ConsumerSummary {
  account: string;
  generation: number;
  userId: string;
  expiresAt: string;
}

/** Runs one of the example scripts in the project and parses the JSON line it prints. */
export async function runConsumer(
  installer: Installer,
  projectDir: string,
  script: string,
  env: Record<string, string>,
): Promise<ConsumerSummary> {
  const { stdout } = await run(runtimeCommand(installer), [script], {
    cwd: projectDir,
    env: runtimeEnv(installer, env),
    timeoutMs: 60_000,
    what: `${runtimeLabel(installer)} ${script}`,
  });
  const line = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ConsumerSummary;
}
