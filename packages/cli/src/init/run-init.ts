import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { isatty } from "node:tty";
import { ConfigError, readEnvironment } from "@upstox-token/core";
import type { CommandContext } from "../context.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { answersFromFlags } from "./answers-from-flags.js";
import type { InitAnswers } from "./init-answers.js";
import { environmentValues, flagValues, type InitOptions } from "./init-inputs.js";
import { effectiveSetup } from "./kept-config.js";
import { type RehearsalResult, rehearse } from "./rehearsal.js";
import { describeRehearsal, describeSetup, nextSteps } from "./setup-report.js";
import { parseSinkChoice, redactPasswords, sinkTargetCheck } from "./sink-choice.js";
import { type SetupResult, setupPaths, writeSetup } from "./write-setup.js";

/**
 * `upstox-token init`: prompts on a terminal, flags and variables otherwise (--yes, --json, or no terminal).
 * Exit 0 when the files are written (and the rehearsal, if any, passed), 1 when the rehearsal failed (the
 * files are written all the same), 2 for missing or invalid input and for a cancelled session.
 */
export async function runInit(ctx: CommandContext, options: InitOptions): Promise<ExitCodeValue> {
  const dir = resolve(ctx.io.cwd, options.dir ?? ".");
  const { envFile } = setupPaths(dir);
  // Flags win over the environment, which wins over the folder's existing .env (so re-running keeps values).
  const existing = existsSync(envFile) ? readEnvironment({}, envFile) : {};
  const env = { ...existing, ...withoutEmpty(await ctx.baseEnv()) };
  const interactive = !options.yes && !ctx.out.json && isatty(0) && ctx.io.stdoutIsTty;
  return interactive ? runInteractive(ctx, options, dir, env) : runWithFlags(ctx, options, dir, env);
}

async function runWithFlags(
  ctx: CommandContext,
  options: InitOptions,
  dir: string,
  env: Record<string, string | undefined>,
): Promise<ExitCodeValue> {
  const chosen = await answersFromFlags({ options, dir, env });
  const setup = await writeOrExplain(chosen, options.force === true);
  const { answers, note } = await effectiveSetup(chosen, setup);
  ctx.out.line(`Written in ${dir}:`);
  for (const line of describeSetup(setup, note)) ctx.out.line(`  ${line}`);

  let rehearsal: RehearsalResult | undefined;
  if (options.rehearse !== false) {
    rehearsal = await rehearse(answers, { envFile: setup.env.path, logger: await ctx.logger() });
    ctx.out.line();
    for (const line of describeRehearsal(rehearsal)) ctx.out.line(line);
  }
  ctx.out.line();
  ctx.out.line("Next:");
  for (const step of nextSteps(answers, ctx.io.cwd, await invocation(ctx, answers)))
    ctx.out.line(`  ${step}`);
  ctx.out.result(resultJson(answers, setup, rehearsal));
  return rehearsal && !rehearsal.ok ? ExitCode.Failure : ExitCode.Ok;
}

async function runInteractive(
  ctx: CommandContext,
  options: InitOptions,
  dir: string,
  env: Record<string, string | undefined>,
): Promise<ExitCodeValue> {
  const p = await import("@clack/prompts");
  const { InitCancelled, answered, askAnswers, summary } = await import("./interactive.js");
  const { configFileState } = await import("./write-setup.js");
  let written = false;
  try {
    p.intro("upstox-token init");
    p.log.message(
      `This sets up ${dir}:\n` +
        "  .env                      your credentials (mode 0600; other lines are kept)\n" +
        "  upstox-token.config.json  the daemon's config; it reads the secrets from .env\n" +
        "  .gitignore                .env and token files, inside a git repository\n" +
        "Nothing is sent to Upstox. Ctrl-C cancels.",
    );
    const sinks = options.sink ? await sinksFromFlags(options.sink) : undefined;
    const chosen = await askAnswers({
      flow: options.flow,
      flagged: flagValues(options),
      known: environmentValues(env),
      sinks,
      dir,
      account: options.account,
    });
    p.note(summary(chosen), "Summary");
    let replaceConfig = options.force === true;
    if (!replaceConfig && (await configFileState(chosen)) === "different") {
      replaceConfig = answered(
        await p.confirm({
          message: "upstox-token.config.json exists and differs. Replace it?",
          initialValue: false,
        }),
      );
    }
    if (!answered(await p.confirm({ message: "Write these files?", initialValue: true }))) {
      p.cancel("Nothing was written.");
      return ExitCode.Usage;
    }
    const setup = await writeOrExplain(chosen, replaceConfig);
    written = true;
    const { answers, note } = await effectiveSetup(chosen, setup);
    p.log.success(`Written in ${dir}:\n${describeSetup(setup, note).join("\n")}`);

    const wanted =
      options.rehearse ??
      answered(
        await p.confirm({
          message:
            "Rehearse now against a local Upstox emulator? (a real login flow, nothing sent to Upstox; " +
            "tokens go to a temp folder, never to your sinks)",
          initialValue: true,
        }),
      );
    let rehearsal: RehearsalResult | undefined;
    if (wanted) {
      const spin = p.spinner();
      spin.start("Rehearsing against the emulator");
      rehearsal = await rehearse(answers, { envFile: setup.env.path, logger: await ctx.logger() });
      const [headline, ...details] = describeRehearsal(rehearsal);
      if (rehearsal.ok) spin.stop(headline);
      else spin.error(headline);
      p.log.message(details.map((line) => line.replace(/^ {2}/, "")).join("\n"));
    }
    p.outro(
      `Next:\n${nextSteps(answers, ctx.io.cwd, await invocation(ctx, answers))
        .map((step) => `   ${step}`)
        .join("\n")}`,
    );
    return rehearsal && !rehearsal.ok ? ExitCode.Failure : ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof InitCancelled)) throw error;
    p.cancel(written ? "Cancelled; the files listed above were written." : "Cancelled; nothing was written.");
    return ExitCode.Usage;
  }
}

/** How the user runs the CLI and the daemon from here (the "Next:" steps must work where they are). */
async function invocation(ctx: CommandContext, answers: InitAnswers) {
  const { binInvocation } = await import("./bin-invocation.js");
  return binInvocation(await ctx.baseEnv(), answers.dir, ctx.io.cwd);
}

async function sinksFromFlags(specs: readonly string[]) {
  const sinks = [];
  for (const spec of specs) {
    const choice = parseSinkChoice(spec);
    if ("error" in choice) throw new ConfigError(choice.error, { field: "--sink" });
    const checked = (await sinkTargetCheck(choice.kind))(choice.target);
    if ("error" in checked)
      throw new ConfigError(`--sink ${redactPasswords(spec)}: ${checked.error}`, { field: "--sink" });
    sinks.push({ kind: choice.kind, target: checked.target });
  }
  return sinks;
}

/** A folder that cannot be written is an input problem (exit 2), not a bug. */
async function writeOrExplain(answers: InitAnswers, replaceConfig: boolean): Promise<SetupResult> {
  try {
    return await writeSetup(answers, { replaceConfig });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot write the setup in ${answers.dir}: ${message}`, {
      field: "--dir",
      cause: error,
      hint: "Check that the folder is writable (or pick another with --dir).",
    });
  }
}

function resultJson(
  answers: InitAnswers,
  setup: SetupResult,
  rehearsal: RehearsalResult | undefined,
): Record<string, unknown> {
  return {
    ok: rehearsal?.ok ?? true,
    flow: answers.flow,
    account: answers.account,
    dir: setup.dir,
    env_file: {
      path: setup.env.path,
      created: setup.env.created,
      added: setup.env.added,
      updated: setup.env.updated,
    },
    config_file: { path: setup.config.path, status: setup.config.status },
    gitignore:
      "skipped" in setup.gitignore
        ? { skipped: setup.gitignore.skipped }
        : { path: setup.gitignore.path, added: setup.gitignore.added },
    rehearsal: rehearsal
      ? {
          ok: rehearsal.ok,
          folder: rehearsal.folderRemoved ? null : rehearsal.folder,
          demo_user: rehearsal.demoUser,
          sinks: rehearsal.sinks.map((s) => ({
            sink: s.chosen,
            wrote_to: s.wroteTo,
            ok: s.ok,
            attempted: s.attempted,
            ...(s.error ? { error: { code: s.error.code, message: s.error.message } } : {}),
          })),
          ...(rehearsal.error
            ? { error: { code: rehearsal.error.code, message: rehearsal.error.message } }
            : {}),
        }
      : null,
  };
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== "") out[key] = value;
  return out;
}
