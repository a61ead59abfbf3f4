import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type EnvFileUpdate, updateEnvFile } from "./env-file-update.js";
import { type GitignoreUpdate, updateGitignore } from "./gitignore-update.js";
import { CONFIG_FILE_NAME, ENV_FILE_NAME, type InitAnswers } from "./init-answers.js";
import { envValuesFor, gitignoreEntriesFor, renderDaemonConfig } from "./setup-files.js";
import { pathInside } from "./sink-choice.js";

export type ConfigFileState = "missing" | "same" | "different";

export interface SetupResult {
  dir: string;
  env: EnvFileUpdate;
  config: { path: string; status: "created" | "replaced" | "unchanged" | "kept" };
  gitignore: GitignoreUpdate;
}

export function setupPaths(dir: string): { envFile: string; configFile: string } {
  return { envFile: join(dir, ENV_FILE_NAME), configFile: join(dir, CONFIG_FILE_NAME) };
}

/** Whether a daemon config is already there, and whether it is the one `init` would write. */
export async function configFileState(answers: InitAnswers): Promise<ConfigFileState> {
  const { configFile } = setupPaths(answers.dir);
  if (!existsSync(configFile)) return "missing";
  return (await readFile(configFile, "utf8")) === renderDaemonConfig(answers) ? "same" : "different";
}

/**
 * Writes the setup: UPSTOX_* keys into .env (0600, every other line kept), the daemon config (replaced only
 * when `replaceConfig`), and the .gitignore lines inside a git work tree. Folders of file sinks inside the
 * setup folder are created, since the sinks want theirs to exist.
 */
export async function writeSetup(
  answers: InitAnswers,
  options: { replaceConfig: boolean },
): Promise<SetupResult> {
  const { envFile, configFile } = setupPaths(answers.dir);
  await mkdir(answers.dir, { recursive: true });
  for (const sink of answers.sinks) {
    if (sink.kind !== "redis" && pathInside(answers.dir, sink.target) !== undefined) {
      await mkdir(dirname(resolve(answers.dir, sink.target)), { recursive: true });
    }
  }

  const env = await updateEnvFile(envFile, envValuesFor(answers));

  const state = await configFileState(answers);
  let status: SetupResult["config"]["status"];
  if (state === "same") status = "unchanged";
  else if (state === "different" && !options.replaceConfig) status = "kept";
  else {
    await writeFile(configFile, renderDaemonConfig(answers));
    status = state === "missing" ? "created" : "replaced";
  }

  const gitignore = await updateGitignore(answers.dir, gitignoreEntriesFor(answers));
  return { dir: answers.dir, env, config: { path: configFile, status }, gitignore };
}
