import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { ConfigError, SinkError } from "./errors.js";
import type { SinkContext, SinkFactory, TokenSink } from "./sink.js";

/** Built-in sinks by short name, each loaded lazily so a missing optional package costs nothing until used. */
export type BuiltinSinks = Record<string, { packageName: string; load: () => Promise<SinkFactory> }>;

export interface SinkSpec {
  /** A built-in name ("env"), a module path ("./my-sink.ts") or a package name ("upstox-token-sink-s3"). */
  use: string;
  options?: unknown;
}

function isSinkFactory(value: unknown): value is SinkFactory {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.create === "function" && typeof v.optionsSchema === "object" && v.optionsSchema !== null;
}

function isModulePath(use: string): boolean {
  return use.startsWith(".") || isAbsolute(use);
}

async function importUserModule(use: string, baseDir: string): Promise<Record<string, unknown>> {
  // Resolve from the user's folder, not from core's: under isolated installs core cannot see their packages.
  const target = isModulePath(use)
    ? resolve(baseDir, use)
    : createRequire(join(baseDir, "noop.js")).resolve(use);
  return (await import(pathToFileURL(target).href)) as Record<string, unknown>;
}

/** Finds the factory for a sink spec: built-in map first, then a module path or package via import(). */
export async function resolveSinkFactory(
  use: string,
  options: { builtins: BuiltinSinks; baseDir: string },
): Promise<SinkFactory> {
  const builtin = options.builtins[use];
  if (builtin) {
    try {
      return await builtin.load();
    } catch (error) {
      throw new SinkError("SINK_NOT_FOUND", use, `the built-in sink "${use}" could not be loaded`, {
        cause: error,
        hint: `Install it: bun add ${builtin.packageName} (or npm i ${builtin.packageName}).`,
      });
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(use, options.baseDir);
  } catch (error) {
    const what = isModulePath(use) ? `the sink module "${use}" could not be loaded` : `unknown sink "${use}"`;
    throw new SinkError("SINK_NOT_FOUND", use, what, {
      cause: error,
      hint: isModulePath(use)
        ? `Check the path; it is resolved against ${options.baseDir}.`
        : `Built-in sinks are ${Object.keys(options.builtins).join(", ")}; for any other name install the package in ${options.baseDir} (bun add ${use}), or give a module path (./my-sink.ts).`,
    });
  }
  const factory = mod.default ?? mod.sink;
  if (!isSinkFactory(factory)) {
    throw new SinkError("SINK_NOT_FOUND", use, `"${use}" does not export a sink factory`, {
      hint: "Export the result of defineSink({ kind, optionsSchema, create }) as the default export or as `sink`.",
    });
  }
  return factory;
}

function describeIssues(error: z.ZodError, field: string): string {
  return error.issues
    .map((issue) => `${[field, ...issue.path.map(String)].join(".")}: ${issue.message}`)
    .join("; ");
}

/** Validates options against the sink's own schema and creates it. `field` names the spot in the config. */
export async function createSinkFromSpec(
  spec: SinkSpec,
  context: SinkContext & { builtins: BuiltinSinks; field?: string; file?: string },
): Promise<TokenSink> {
  const factory = await resolveSinkFactory(spec.use, {
    builtins: context.builtins,
    baseDir: context.baseDir,
  });
  const field = context.field ?? `sink ${spec.use}`;
  const parsed = factory.optionsSchema.safeParse(spec.options ?? {});
  if (!parsed.success) {
    throw new ConfigError(`invalid options for sink "${spec.use}": ${describeIssues(parsed.error, field)}`, {
      field,
      ...(context.file ? { file: context.file } : {}),
      hint: `See the README of the ${spec.use} sink for its options.`,
    });
  }
  return factory.create(parsed.data, { baseDir: context.baseDir, logger: context.logger });
}

/** Splits the CLI shorthand "sqlite:tokens.db" into a spec, via the factory's own fromShorthand. */
export async function sinkSpecFromShorthand(
  shorthand: string,
  options: { builtins: BuiltinSinks; baseDir: string },
): Promise<SinkSpec> {
  const colon = shorthand.indexOf(":");
  const use = colon === -1 ? shorthand : shorthand.slice(0, colon);
  const argument = colon === -1 ? undefined : shorthand.slice(colon + 1);
  if (argument === undefined) return { use };
  const factory = await resolveSinkFactory(use, options);
  if (!factory.fromShorthand) {
    throw new ConfigError(`the sink "${use}" takes no argument after the colon`, {
      field: `--sink ${shorthand}`,
      hint: `Use --sink ${use} and configure it in the config file.`,
    });
  }
  return { use, options: factory.fromShorthand(argument) };
}
