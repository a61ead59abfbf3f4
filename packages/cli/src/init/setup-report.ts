import { relative } from "node:path";
import type { BinInvocation } from "./bin-invocation.js";
import type { InitAnswers } from "./init-answers.js";
import type { RehearsalResult } from "./rehearsal.js";
import { urlHasCredentials } from "./sink-choice.js";
import type { SetupResult } from "./write-setup.js";

/** A few lines per file `init` wrote or left alone (names relative to the setup folder, which is said once). */
export function describeSetup(result: SetupResult, keptNote?: string): string[] {
  const { env, config, gitignore } = result;
  const name = (path: string) => relative(result.dir, path) || path;
  const lines: string[] = [];
  if (env.created) {
    lines.push(`${name(env.path)}: created (mode 0600)`, ...wrapNames("set", env.added));
  } else if (env.added.length + env.updated.length > 0) {
    lines.push(
      `${name(env.path)}: updated (mode 0600); its other lines are kept`,
      ...wrapNames("added", env.added),
      ...wrapNames("changed", env.updated),
    );
  } else {
    lines.push(`${name(env.path)}: already up to date (mode 0600)`);
  }
  if (env.tightenedFrom) lines.push(`  was mode ${env.tightenedFrom} (readable by others); now 0600`);
  lines.push(
    {
      created: `${name(config.path)}: created; it reads the secrets from .env as \${UPSTOX_…}`,
      replaced: `${name(config.path)}: replaced`,
      unchanged: `${name(config.path)}: already up to date`,
      kept: `${name(config.path)}: exists and differs; kept as it was (--force replaces it)`,
    }[config.status],
  );
  if (keptNote) lines.push(`  ${keptNote}`);
  if ("skipped" in gitignore) lines.push(".gitignore: not changed (not inside a git repository)");
  else if (gitignore.added.length > 0)
    lines.push(`${name(gitignore.path)}: added ${gitignore.added.join(", ")}`);
  else lines.push(`.gitignore: ${gitignore.alreadyIgnored.join(", ") || ".env"} already ignored`);
  return lines;
}

/** "  set A, B, C" wrapped at about 76 columns. */
function wrapNames(verb: string, names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const lines: string[] = [];
  let line = `  ${verb}`;
  for (const [i, n] of names.entries()) {
    const piece = `${i === 0 ? " " : ", "}${n}`;
    if (line.length + piece.length > 76) {
      lines.push(`${line},`);
      line = `    ${n}`;
    } else {
      line += piece;
    }
  }
  lines.push(line);
  return lines;
}

/** The first line says whether it passed; the rest say where each sink wrote. */
export function describeRehearsal(result: RehearsalResult): string[] {
  const lines: string[] = [];
  if (result.ok) {
    const who = result.demoUser ? "the emulator's demo user, through your app" : `${result.userId ?? "you"}`;
    lines.push(`Rehearsal passed: logged in to a local Upstox emulator as ${who}`);
  } else {
    lines.push("Rehearsal FAILED against the local Upstox emulator");
    if (result.error) lines.push(`  ${result.error.code}: ${result.error.message}`);
    if (result.error?.hint) lines.push(`  hint: ${result.error.hint}`);
  }
  for (const sink of result.sinks) {
    if (sink.ok) lines.push(`  ✓ ${sink.chosen}: token written to ${sink.wroteTo}`);
    else if (sink.attempted) {
      lines.push(`  ✗ ${sink.chosen}: ${sink.error ? "failed" : "not written"}`);
      if (sink.error) lines.push(`    ${sink.error.code}: ${sink.error.message}`);
    } else {
      lines.push(`  - ${sink.chosen}: not tried; the rehearsal stopped before the login (see the ✗ above)`);
    }
  }
  lines.push(
    "  Nothing was sent to Upstox, and your real sinks were not touched.",
    result.folderRemoved
      ? "  Nothing was written, so its temp folder was removed."
      : `  The rehearsal's files are in ${result.folder}; delete it when done.`,
  );
  return lines;
}

/** What to run next, for the flow that was set up. `cwd` decides whether a `cd` comes first. */
export function nextSteps(
  answers: InitAnswers,
  cwd: string,
  run: BinInvocation = { cli: "upstox-token", daemon: "upstox-token-daemon" },
): string[] {
  const sinkArgs = answers.sinks
    .map((s) => `--sink ${s.kind}:${s.kind === "redis" && urlHasCredentials(s.target) ? "<url>" : s.target}`)
    .join(" ");
  const steps = answers.dir === cwd ? [] : [`cd ${answers.dir}`];
  steps.push(`${run.cli} check-env${answers.flow === "totp" ? "" : ` --for ${answers.flow}`}`);
  if (answers.flow === "totp") steps.push(`${run.cli} generate-token ${sinkArgs}`);
  if (answers.flow === "browser") steps.push(`${run.cli} login ${sinkArgs}`);
  if (answers.flow === "token-request") {
    steps.push(`${run.cli} request-token --listen 127.0.0.1:8977/upstox/notifier ${sinkArgs}`);
  }
  // The config refers to ${UPSTOX_…}; the daemon reads them from .env when told to.
  steps.push(`${run.daemon} --env-file .env --dry-run`);
  if (run.note) steps.push(`(${run.note})`);
  return steps;
}
