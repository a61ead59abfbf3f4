import { readFile } from "node:fs/promises";
import { readEnvironment } from "@upstox-token/core";
import type { InitAnswers, InitSink } from "./init-answers.js";
import { describeSink } from "./sink-choice.js";
import type { SetupResult } from "./write-setup.js";

export interface EffectiveSetup {
  /** The answers the rehearsal and the "Next:" steps use: the kept config's sinks when it was kept. */
  answers: InitAnswers;
  /** Said after the setup lines when the kept config's sinks are not the ones chosen now. */
  note?: string;
}

/**
 * When the daemon config was kept (it existed and differed), the daemon will write the sinks it names, not the
 * ones chosen now: rehearse those and show those in "Next:", and say that the new choice was not saved. A config
 * whose sinks init cannot read back (a custom module, a hand edit) keeps the choice, with a warning instead.
 */
export async function effectiveSetup(answers: InitAnswers, setup: SetupResult): Promise<EffectiveSetup> {
  if (setup.config.status !== "kept") return { answers };
  const chosen = answers.sinks.map(describeSink).join(", ");
  const kept = await keptSinks(setup.config.path, setup.env.path);
  if (kept === undefined) {
    return {
      answers,
      note: `its sinks may not be the ones chosen now (${chosen}); the daemon writes the file's.`,
    };
  }
  const same =
    kept.length === answers.sinks.length &&
    kept.every((s, i) => s.kind === answers.sinks[i]!.kind && s.target === answers.sinks[i]!.target);
  if (same) return { answers };
  return {
    answers: { ...answers, sinks: kept },
    note:
      `it names ${kept.map(describeSink).join(", ")}, so the rehearsal and the steps below use those; ` +
      `your choice (${chosen}) was not saved.`,
  };
}

async function keptSinks(configPath: string, envPath: string): Promise<InitSink[] | undefined> {
  let config: {
    sinks?: unknown;
    accounts?: { sinks?: unknown }[];
  };
  try {
    config = JSON.parse((await readFile(configPath, "utf8")).replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  const specs = config.accounts?.[0]?.sinks ?? config.sinks;
  if (!Array.isArray(specs) || specs.length === 0) return undefined;
  const env = readEnvironment({}, envPath);
  const sinks: InitSink[] = [];
  for (const spec of specs as { use?: unknown; options?: { path?: unknown; url?: unknown } }[]) {
    if ((spec.use === "env" || spec.use === "sqlite") && typeof spec.options?.path === "string") {
      sinks.push({ kind: spec.use, target: spec.options.path });
    } else if (spec.use === "redis" && typeof spec.options?.url === "string") {
      const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(spec.options.url);
      const url = ref ? env[ref[1]!] : spec.options.url;
      if (!url) return undefined;
      sinks.push({ kind: "redis", target: url });
    } else {
      return undefined;
    }
  }
  return sinks;
}
