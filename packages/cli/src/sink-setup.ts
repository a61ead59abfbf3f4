import {
  createSinkFromSpec,
  type Logger,
  type SinkSpec,
  sinkSpecFromShorthand,
  type TokenSink,
} from "@upstox-token/core";
import { builtinSinks } from "./builtin-sinks.js";

/** What a bare built-in name means on the command line: `--sink env` is `--sink env:.env`, and so on. */
export const SINK_SHORTHAND_DEFAULTS: Record<string, string> = {
  env: "env:.env",
  sqlite: "sqlite:upstox-tokens.db",
  redis: "redis:redis://127.0.0.1:6379",
};

/**
 * Opens the sinks named on the command line (`env`, `env:.env.tokens`, `sqlite:tokens.db`, `redis:redis://…`,
 * a module path or a package name). Relative paths resolve against `cwd`. On failure closes what it opened.
 */
export async function openSinks(
  shorthands: readonly string[],
  options: { cwd: string; logger: Logger },
): Promise<TokenSink[]> {
  const sinks: TokenSink[] = [];
  try {
    for (const given of shorthands) {
      const shorthand = SINK_SHORTHAND_DEFAULTS[given] ?? given;
      const spec = await sinkSpecFromShorthand(shorthand, { builtins: builtinSinks, baseDir: options.cwd });
      sinks.push(
        await createSinkFromSpec(spec, {
          builtins: builtinSinks,
          baseDir: options.cwd,
          logger: options.logger,
          field: `--sink ${given}`,
        }),
      );
    }
    return sinks;
  } catch (error) {
    await closeSinks(sinks);
    throw error;
  }
}

export async function closeSinks(sinks: readonly TokenSink[]): Promise<void> {
  await Promise.allSettled(sinks.map((sink) => sink.close?.()));
}

/** Opens sinks from a config file's specs (`field` names where each sits); on failure closes what it opened. */
export async function openSinkSpecs(
  specs: readonly { spec: SinkSpec; field: string }[],
  options: { baseDir: string; file: string; logger: Logger },
): Promise<TokenSink[]> {
  const sinks: TokenSink[] = [];
  try {
    for (const { spec, field } of specs) {
      sinks.push(
        await createSinkFromSpec(spec, {
          builtins: builtinSinks,
          baseDir: options.baseDir,
          logger: options.logger,
          field,
          file: options.file,
        }),
      );
    }
    return sinks;
  } catch (error) {
    await closeSinks(sinks);
    throw error;
  }
}
