/**
 * Single binaries: builds the CLI (and the daemon, once its bin.ts exists) with `bun build --compile`, then runs
 * the CLI binary from an empty folder against the emulator with the env and SQLite sinks. Where mount
 * namespaces are available the run also hides the repository and Bun's package cache, so a native addon that
 * was not embedded (better-sqlite3's .node) cannot be found on disk and the test fails.
 *
 * Slow-ish (two ~110 MB binaries); skips, loudly, only where `bun build --compile` does not exist.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";

const repoRoot = resolve(import.meta.dir, "..", "..", "..");
const buildScript = resolve(import.meta.dir, "..", "scripts", "build-bin.ts");
const daemonEntry = resolve(import.meta.dir, "..", "src", "bin.ts");

const compileHelp = spawnSync(process.execPath, ["build", "--help"], { encoding: "utf8" });
const canCompile = compileHelp.status === 0 && compileHelp.stdout.includes("--compile");
if (!canCompile) {
  console.warn(
    "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n" +
      `!! ops-binary: SKIPPED: \`${process.execPath} build --compile\` is not available here.\n` +
      "!! The single binaries and the embedded SQLite addon are NOT verified on this machine.\n" +
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
  );
}
const canHide = spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0;
if (canCompile && !canHide) {
  console.warn(
    "ops-binary: no mount namespaces (unshare -m); the binary runs with the repository still on disk",
  );
}

const hostTarget = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "x64"}`;
let outDir: string;
let emulator: Emulator;

async function run(cmd: string[], options: { cwd: string; env: Record<string, string> }) {
  // Async spawn: the emulator answers from this very process, so a blocking spawn would deadlock.
  const child = Bun.spawn(cmd, { ...options, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

/** Runs `binary args…` with the repository and Bun's cache hidden behind empty tmpfs mounts, when possible. */
function hidden(binary: string, args: string[]): string[] {
  if (!canHide) return [binary, ...args];
  const hide = [repoRoot, join(homedir(), ".bun", "install", "cache")].filter((p) => existsSync(p));
  const mounts = hide.map((p) => `mount -t tmpfs none '${p}'`).join(" && ");
  const quoted = [binary, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return ["unshare", "-m", "--propagation", "private", "sh", "-c", `${mounts} && exec ${quoted}`];
}

beforeAll(async () => {
  if (!canCompile) return;
  outDir = await mkdtemp(join(tmpdir(), "ops-binary-"));
  const only = existsSync(daemonEntry) ? ["--only", "cli", "--only", "daemon"] : ["--only", "cli"];
  const build = await run([process.execPath, buildScript, ...only, "--out", outDir], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: homedir() },
  });
  if (build.code !== 0)
    throw new Error(`build-bin failed (${build.code}):\n${build.stdout}\n${build.stderr}`);
  emulator = await startEmulator();
}, 240_000);

afterAll(async () => {
  await emulator?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe.skipIf(!canCompile)("single binaries (bun build --compile)", () => {
  test("SHA256SUMS lists every binary and `sha256sum -c` accepts it", async () => {
    const sums = await readFile(join(outDir, "SHA256SUMS"), "utf8");
    expect(sums).toContain(`  upstox-token-${hostTarget}\n`);
    if (existsSync(daemonEntry)) expect(sums).toContain(`  upstox-token-daemon-${hostTarget}\n`);
    if (spawnSync("sha256sum", ["--version"]).status === 0) {
      const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: outDir, encoding: "utf8" });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    }
  });

  test("the CLI binary, from an empty folder with no node_modules, logs in and writes the env and SQLite sinks", async () => {
    const work = await mkdtemp(join(tmpdir(), "ops-binary-run-"));
    const empty = join(work, "empty");
    await mkdir(empty);
    const binary = join(outDir, `upstox-token-${hostTarget}`);
    const envFile = join(empty, "tokens.env");
    const dbFile = join(empty, "tokens.db");
    emulator.clearLog();
    const result = await run(
      hidden(binary, ["generate-token", "--sink", `env:${envFile}`, "--sink", `sqlite:${dbFile}`]),
      {
        cwd: empty,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: empty,
          TMPDIR: work,
          UPSTOX_API_BASE: emulator.apiBase,
          UPSTOX_SERVICE_BASE: emulator.serviceBase,
          UPSTOX_USERNAME: DEMO_USER.mobile,
          UPSTOX_PIN_CODE: DEMO_USER.pin,
          UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
          UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
          UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
          UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
        },
      },
    );
    try {
      expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 0, stderr: "" });
      expect(result.stdout).toContain("sqlite:");

      const env = await readFile(envFile, "utf8");
      const token = /^UPSTOX_ACCESS_TOKEN=(.+)$/m.exec(env)?.[1];
      expect(token).toBeDefined();
      expect(emulator.isTokenValid(token!)).toBe(true);

      // Read the SQLite file with another SQLite (bun:sqlite): the binary's embedded better-sqlite3 wrote it.
      const db = new Database(dbFile, { readonly: true });
      const row = db
        .query("SELECT account, access_token FROM tokens ORDER BY generation DESC LIMIT 1")
        .get() as {
        account: string;
        access_token: string;
      } | null;
      db.close();
      expect(row).toEqual({ account: "main", access_token: token! });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);

  test.skipIf(!existsSync(daemonEntry))(
    "the daemon binary, from an empty folder, runs --once from a config and writes the env and SQLite sinks",
    async () => {
      const work = await mkdtemp(join(tmpdir(), "ops-binary-daemon-"));
      const binary = join(outDir, `upstox-token-daemon-${hostTarget}`);
      const env = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: work,
        TMPDIR: work,
        UPSTOX_PIN: DEMO_USER.pin,
      };
      try {
        const help = await run(hidden(binary, ["--help"]), { cwd: work, env });
        expect(help.code).toBe(0);
        expect(help.stdout).toContain("upstox-token-daemon");

        const config = {
          accounts: [
            {
              name: "demo",
              credentials: {
                mobile: DEMO_USER.mobile,
                // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${ENV} interpolation
                pin: "${UPSTOX_PIN}",
                totpSecret: DEMO_USER.totpSecret,
                clientId: DEMO_APP.apiKey,
                clientSecret: DEMO_APP.apiSecret,
                redirectUri: DEMO_APP.redirectUri,
                apiBase: emulator.apiBase,
                serviceBase: emulator.serviceBase,
              },
            },
          ],
          sinks: [
            { use: "env", options: { path: "tokens.env" } },
            { use: "sqlite", options: { path: "tokens.db" } },
          ],
          lock: { use: "file", path: join(work, "locks") },
        };
        const configPath = join(work, "upstox-token.config.json");
        await Bun.write(configPath, JSON.stringify(config, null, 2));
        const once = await run(hidden(binary, ["--once", "--config", configPath]), { cwd: work, env });
        expect({ code: once.code, out: once.code === 0 ? "" : once.stdout + once.stderr }).toEqual({
          code: 0,
          out: "",
        });
        const token = /^UPSTOX_ACCESS_TOKEN=(.+)$/m.exec(
          await readFile(join(work, "tokens.env"), "utf8"),
        )?.[1];
        expect(token).toBeDefined();
        expect(emulator.isTokenValid(token!)).toBe(true);
        const db = new Database(join(work, "tokens.db"), { readonly: true });
        const row = db
          .query("SELECT account, access_token FROM tokens ORDER BY generation DESC LIMIT 1")
          .get();
        db.close();
        expect(row).toEqual({ account: "demo", access_token: token! });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
