import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, type ConfigProblem, type Logger, Secret, silentLogger } from "@upstox-token/core";
import { daemonConfigSchema } from "@upstox-token/core/daemon-config";
import { configFileError, problemsFromZod } from "./config-problems.js";
import { interpolateEnv } from "./interpolate.js";
import { jsonErrorPosition } from "./json-error-position.js";
import { type DaemonConfig, resolveDaemonConfig } from "./resolve-config.js";

/** Looked for in the working directory, in this order, when no --config is given. */
export const CONFIG_FILE_NAMES = [
  "upstox-token.config.ts",
  "upstox-token.config.mts",
  "upstox-token.config.js",
  "upstox-token.config.mjs",
  "upstox-token.config.json",
  "upstox-token.config.yaml",
  "upstox-token.config.yml",
] as const;

export interface LoadConfigFileOptions {
  /** --config; relative to cwd. */
  path?: string | undefined;
  cwd?: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

/** Finds the config file: the given path, else the first of CONFIG_FILE_NAMES in cwd. */
export function findConfigFile(options: { path?: string | undefined; cwd?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.path) {
    const file = isAbsolute(options.path) ? options.path : resolve(cwd, options.path);
    if (!existsSync(file)) {
      throw new ConfigError(`config file not found: ${file}`, {
        file,
        field: "--config",
        hint: "Check the path given to --config (relative paths start from the working directory).",
      });
    }
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(`no config file found in ${cwd}`, {
    field: "--config",
    hint: `Create upstox-token.config.json (or .yaml, .ts) there, or pass --config <file>. See the daemon's README for an example.`,
  });
}

/**
 * Reads, interpolates and validates the config file. Throws one ConfigError (exit 2) naming the file, the path
 * of every bad field and the fix; nothing is started before this succeeds.
 */
export async function loadConfigFile(options: LoadConfigFileOptions = {}): Promise<DaemonConfig> {
  const file = findConfigFile(options);
  const raw = await readConfigSource(file);
  return validateConfig(raw, {
    file,
    text: readFileSync(file, "utf8"),
    env: options.env ?? process.env,
    logger: options.logger ?? silentLogger,
  });
}

/** Validates an already-parsed config object (used for `.ts` configs, tests and programmatic callers). */
export function validateConfig(
  raw: unknown,
  context: {
    file: string | null;
    text?: string;
    env?: Record<string, string | undefined>;
    logger?: Logger;
    baseDir?: string;
  },
): DaemonConfig {
  const problems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(raw, context.env ?? process.env, problems);
  if (problems.length > 0) throw configFileError(context.file, problems);
  const parsed = daemonConfigSchema.safeParse(interpolated);
  if (!parsed.success) throw configFileError(context.file, problemsFromZod(parsed.error));
  const baseDir = context.baseDir ?? (context.file ? dirname(context.file) : process.cwd());
  const config = resolveDaemonConfig(parsed.data, { file: context.file, baseDir });
  warnAboutClearTextSecrets(config, context);
  for (const warning of config.warnings)
    (context.logger ?? silentLogger).warn({ file: context.file }, warning);
  return config;
}

export async function readConfigSource(file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  if ([".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    try {
      // The query defeats the module cache, so SIGHUP re-reads an edited file.
      const mod = (await import(`${pathToFileURL(file).href}?load=${Date.now()}`)) as { default?: unknown };
      if (mod.default === undefined) {
        throw configFileError(file, [
          {
            field: "default export",
            message: "the file has no default export: write `export default defineConfig({ ... })`",
          },
        ]);
      }
      return mod.default;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw configFileError(file, [
        {
          field: "(file)",
          message: `could not load it: ${error instanceof Error ? error.message : String(error)}`,
        },
      ]);
    }
  }
  let text: string;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse would call it an unrecognized token.
    text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw configFileError(file, [
      { field: "(file)", message: `cannot read it: ${(error as Error).message}` },
    ]);
  }
  if (ext === ".yaml" || ext === ".yml") {
    // Loaded for YAML configs only: the parser is the largest module a JSON-configured daemon would carry.
    const { parse: parseYaml } = await import("yaml");
    try {
      return parseYaml(text) as unknown;
    } catch (error) {
      throw configFileError(file, [{ field: "(syntax)", message: `not valid YAML: ${yamlProblem(error)}` }]);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const at = jsonErrorPosition(text);
    const where = at ? ` at line ${at.line}, column ${at.column} (found ${at.found})` : "";
    throw configFileError(file, [
      { field: "(syntax)", message: `not valid JSON${where}: ${(error as Error).message}` },
    ]);
  }
}

/**
 * The yaml package's first line ends "at line 6, column 1:", the excerpt that followed the colon cut off (it is
 * not shown: the file may hold a secret). Keep the sentence, end it where it ends.
 */
function yamlProblem(error: unknown): string {
  return String((error as Error).message)
    .split("\n")[0]!
    .replace(/:\s*$/, "");
}

/**
 * A secret whose value is written in the file (not `${VAR}`, not a *File) while the file can be read by the
 * group or by everyone: a warning, not an error, so a first try with a demo config still works.
 */
function warnAboutClearTextSecrets(
  config: DaemonConfig,
  context: { file: string | null; text?: string },
): void {
  if (!context.file || context.text === undefined || process.platform === "win32") return;
  let mode: number;
  try {
    mode = statSync(context.file).mode;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  for (const account of config.accounts) {
    for (const [field, value] of Object.entries(account.clearTextCandidates)) {
      if (value instanceof Secret && value.length >= 4 && context.text.includes(value.reveal())) {
        config.warnings.push(
          `accounts[${account.index}].credentials.${field} is written in clear text in ${context.file}, which others can read (mode ${(mode & 0o777).toString(8).padStart(3, "0")}): use "\${ENV_VAR}" or ${field}File, or chmod 600 the file`,
        );
      }
    }
  }
}
