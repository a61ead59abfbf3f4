import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import { ConfigError, type ConfigProblem, SinkError } from "./errors.js";
import type { SinkContext, SinkFactory, TokenSink } from "./sink.js";
import { findUninstalledImport, packageOf } from "./sink-import-guard.js";

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

/** An npm package name, optionally with a subpath: `name`, `@scope/name`, `name/sub/path`. */
const PACKAGE_SPEC = /^((?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(\/[\w.~/-]+)?$/;

/**
 * The folder of `packageName` as installed under `from` or one of its parents, or null. It only looks at
 * node_modules folders on disk: it never asks a package manager, so a typo cannot fetch code from the
 * registry (Bun auto-installs a bare import when it finds no node_modules folder).
 */
export function findInstalledPackage(packageName: string, from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, "node_modules", packageName);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Resolves an installed package's entry to a file path, from the folder that holds it. */
function resolveInstalledEntry(use: string, fromDir: string): string {
  const bun = (globalThis as { Bun?: { resolveSync(specifier: string, from: string): string } }).Bun;
  // Both find the package in fromDir's node_modules (checked above), so neither installs anything.
  return bun ? bun.resolveSync(use, fromDir) : createRequire(join(fromDir, "noop.js")).resolve(use);
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

function unknownSink(use: string, builtins: BuiltinSinks, dirs: string[]): SinkError {
  return new SinkError(
    "SINK_NOT_FOUND",
    use,
    `unknown sink "${use}"${didYouMean(use, Object.keys(builtins))}`,
    {
      hint:
        `Built-in sinks are ${Object.keys(builtins).join(", ")}. A third-party sink must be installed in your ` +
        `project first (${dirs.join(" or ")}): bun add <package> (or npm i <package>), then name it; or give a ` +
        "module path (./my-sink.ts). Nothing is ever installed for you.",
    },
  );
}

/** Finds the factory for a sink spec: built-in map, module path, or a package installed in the project. */
export async function resolveSinkFactory(
  use: string,
  options: { builtins: BuiltinSinks; baseDir: string; cwd?: string },
): Promise<SinkFactory> {
  const builtin = options.builtins[use];
  if (builtin) {
    try {
      return await builtin.load();
    } catch (error) {
      throw new SinkError(
        "SINK_NOT_FOUND",
        use,
        `the built-in sink "${use}" could not be loaded: ${reasonOf(error)}`,
        {
          cause: error,
          hint: `Install it: bun add ${builtin.packageName} (or npm i ${builtin.packageName}).`,
        },
      );
    }
  }
  const dirs = [...new Set([resolve(options.baseDir), resolve(options.cwd ?? process.cwd())])];
  let target: string;
  if (isModulePath(use)) {
    target = resolve(options.baseDir, use);
    if (!existsSync(target)) {
      throw new SinkError("SINK_NOT_FOUND", use, `the sink module "${use}" does not exist (${target})`, {
        hint: `Check the path; it is resolved against ${options.baseDir}.`,
      });
    }
    const missing = findUninstalledImport(target);
    if (missing) {
      throw new SinkError(
        "SINK_NOT_FOUND",
        use,
        `the sink module "${use}" could not be loaded: cannot find package ${missing.specifier} (imported from ${missing.importer})`,
        {
          hint: `Install it where the module is: cd ${dirname(missing.importer)} && bun add ${packageOf(missing.specifier)} (or npm i). Nothing is installed for you.`,
        },
      );
    }
  } else {
    const match = PACKAGE_SPEC.exec(use);
    const packageName = match?.[1];
    const home = packageName
      ? dirs.map((dir) => findInstalledPackage(packageName, dir)).find((found) => found !== null)
      : undefined;
    if (!home || !packageName) throw unknownSink(use, options.builtins, dirs);
    // The project folder holding that node_modules: resolving from there finds the package, fetches nothing.
    const root = resolve(home, ...packageName.split("/").map(() => ".."), "..");
    try {
      target = resolveInstalledEntry(use, root);
    } catch (error) {
      throw new SinkError(
        "SINK_NOT_FOUND",
        use,
        `the sink package "${use}" has no loadable entry: ${reasonOf(error)}`,
        {
          cause: error,
          hint: `Reinstall it in ${root} (bun add ${packageName}).`,
        },
      );
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
  } catch (error) {
    const what = isModulePath(use) ? `the sink module "${use}"` : `the sink package "${use}"`;
    throw new SinkError("SINK_NOT_FOUND", use, `${what} could not be loaded: ${reasonOf(error)}`, {
      cause: error,
      hint: isModulePath(use)
        ? `Fix the module (${target}); a package it imports must be installed beside it.`
        : `Reinstall it in your project (bun add ${use}).`,
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

/** The keys an object schema knows, through the wrappers zod puts around it (optional, default, pipe, refine). */
function objectKeys(schema: unknown, depth = 0): string[] {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  if (!def || depth > 8) return [];
  if (def.type === "object" && typeof def.shape === "object" && def.shape !== null)
    return Object.keys(def.shape);
  for (const inner of [def.innerType, def.in, def.schema]) {
    const keys = objectKeys(inner, depth + 1);
    if (keys.length > 0) return keys;
  }
  return [];
}

/** The schema of `path` inside an object schema (for its keys), or undefined. */
function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let current = schema;
  for (const key of path) {
    let def = (current as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    for (let i = 0; def && def.type !== "object" && i < 8; i++) {
      const inner = def.innerType ?? def.in ?? def.schema;
      def = (inner as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    }
    const shape = def?.shape as Record<string, unknown> | undefined;
    current = shape?.[String(key)];
    if (current === undefined) return undefined;
  }
  return current;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** One line per zod issue, in words: "is required (a string)", "unknown key "pth" (did you mean "path"?)". */
export function describeOptionIssues(error: z.ZodError, field: string, schema?: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = [field, ...issue.path.map(String)].join(".");
    let text = issue.message;
    if (issue.code === "invalid_type") {
      const input = (issue as { input?: unknown }).input;
      text =
        input === undefined
          ? `is required (${article(issue.expected)})`
          : `must be ${article(issue.expected)}, not ${input === null ? "null" : Array.isArray(input) ? "a list" : typeof input}`;
    } else if (issue.code === "unrecognized_keys") {
      const known = objectKeys(schemaAt(schema, issue.path));
      text = issue.keys
        .map((key) => `unknown key "${key}"${didYouMean(key, known)}`)
        .join(", ")
        .concat(known.length > 0 ? `; known keys: ${known.join(", ")}` : "");
    }
    return { field: path, message: `${path}: ${text}` };
  });
}

function describeIssues(error: z.ZodError, field: string, schema?: unknown): string {
  return describeOptionIssues(error, field, schema)
    .map((p) => p.message)
    .join("; ");
}

/**
 * What is wrong with a sink spec, without creating the sink: an unknown sink (with "did you mean"), a module
 * that cannot load, or options its schema refuses. Empty when it would create. The daemon's config check uses
 * it, so a config's sink mistakes are reported in the same round as every other mistake.
 */
export async function sinkSpecProblems(
  spec: SinkSpec,
  context: { builtins: BuiltinSinks; baseDir: string; field: string },
): Promise<ConfigProblem[]> {
  let factory: SinkFactory;
  try {
    factory = await resolveSinkFactory(spec.use, { builtins: context.builtins, baseDir: context.baseDir });
  } catch (error) {
    if (!(error instanceof SinkError)) throw error;
    return [{ field: `${context.field}.use`, message: `${context.field}.use: ${error.message}` }];
  }
  const parsed = factory.optionsSchema.safeParse(spec.options ?? {});
  return parsed.success
    ? []
    : describeOptionIssues(parsed.error, `${context.field}.options`, factory.optionsSchema);
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
    throw new ConfigError(
      `invalid options for sink "${spec.use}": ${describeIssues(parsed.error, field, factory.optionsSchema)}`,
      {
        field,
        ...(context.file ? { file: context.file } : {}),
        hint: `See the README of the ${spec.use} sink for its options.`,
      },
    );
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
