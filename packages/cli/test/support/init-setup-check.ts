import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readEnvironment, silentLogger, type TokenRecord } from "@upstox-token/core";
import { sqliteSink } from "@upstox-token/sink-sqlite";

/** The daemon's launcher in this monorepo; the CLI does not depend on the daemon, so tests find it by path. */
export const DAEMON_BIN = join(
  import.meta.dir,
  "..",
  "..",
  "..",
  "..",
  "apps",
  "daemon",
  "bin",
  "upstox-token-daemon.js",
);

/**
 * Runs `upstox-token-daemon --dry-run` on a config `init` wrote, with exactly the variables of the .env it
 * wrote: the daemon's own zod schema, `${VAR}` interpolation and sink option schemas judge the file.
 */
export async function daemonDryRun(
  configPath: string,
  envFile: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const variables = readEnvironment({}, envFile);
  // --offline: the config points at the real Upstox, which no test may reach (the Upstox checks need the network).
  const child = Bun.spawn([process.execPath, DAEMON_BIN, "--dry-run", "--offline", "--config", configPath], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...variables } as Record<
      string,
      string
    >,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** Every credential in the config is a bare `${UPSTOX_…}` reference. */
export function credentialValues(configPath: string): Record<string, string> {
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    accounts: { credentials: Record<string, string> }[];
  };
  return config.accounts[0]!.credentials;
}

/** The one folder the rehearsal made under `tempRoot` (its TMPDIR). */
export function rehearsalFolder(tempRoot: string): string {
  const folders = readdirSync(tempRoot).filter((name) => name.startsWith("upstox-token-rehearsal-"));
  if (folders.length !== 1)
    throw new Error(`expected one rehearsal folder in ${tempRoot}, found ${folders.length}`);
  return join(tempRoot, folders[0]!);
}

/** The token the rehearsal stored in a SQLite file, read back through the sink itself. */
export async function sqliteToken(path: string, account = "main"): Promise<TokenRecord | null> {
  if (!existsSync(path)) return null;
  const sink = await sqliteSink.create(sqliteSink.optionsSchema.parse({ path }), {
    baseDir: "/",
    logger: silentLogger,
  });
  try {
    return (await sink.read?.(account)) ?? null;
  } finally {
    await sink.close?.();
  }
}

/** Permission bits of a file. */
export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}
