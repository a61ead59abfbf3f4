import { isAbsolute, relative, resolve } from "node:path";
import { builtinSinks } from "../builtin-sinks.js";
import { DEFAULT_SINK_TARGETS, INIT_SINK_KINDS, type InitSink, type InitSinkKind } from "./init-answers.js";

/** `env`, `env:<file>`, `sqlite:<file>`, `redis:<url>`: the same shorthand as `--sink` everywhere else. */
export function parseSinkChoice(spec: string): InitSink | { error: string } {
  const shown = redactPasswords(spec);
  const colon = spec.indexOf(":");
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const target = colon === -1 ? undefined : spec.slice(colon + 1);
  if (!isInitSinkKind(kind)) {
    return {
      error:
        `init sets up the built-in sinks ${INIT_SINK_KINDS.join(", ")} (got "${shown}"); ` +
        "add your own sink to upstox-token.config.json by hand afterwards",
    };
  }
  if (target !== undefined && target.trim() === "")
    return { error: `--sink ${shown}: the ${kind} sink needs a target` };
  return { kind, target: (target ?? DEFAULT_SINK_TARGETS[kind]).trim() };
}

export function isInitSinkKind(value: string): value is InitSinkKind {
  return (INIT_SINK_KINDS as readonly string[]).includes(value);
}

export type SinkTargetCheck = (target: string) => { target: string } | { error: string };

/**
 * A check of a target against the sink's own options schema (the one the daemon applies to the config),
 * returning it as the sink would store it (`localhost:6379` becomes `redis://localhost:6379`). Loading the
 * sink is the slow part, so it happens once, here; the check itself is synchronous (prompts validate per key).
 */
export async function sinkTargetCheck(kind: InitSinkKind): Promise<SinkTargetCheck> {
  const factory = await builtinSinks[kind]!.load();
  return (target) => {
    if (target.trim() === "") return { error: "required" };
    const options = (factory.fromShorthand ? factory.fromShorthand(target.trim()) : {}) as {
      path?: string;
      url?: string;
    };
    const parsed = factory.optionsSchema.safeParse(options);
    if (!parsed.success) return { error: parsed.error.issues.map((issue) => issue.message).join("; ") };
    return { target: options.path ?? options.url ?? target.trim() };
  };
}

/** True when a redis URL carries a user or password, which then belongs in .env, not in the config. */
export function urlHasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

/** A file sink's path relative to the setup folder, or undefined when it lies outside it. */
export function pathInside(dir: string, target: string): string | undefined {
  const rel = relative(dir, resolve(dir, target));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return undefined;
  return rel.split("\\").join("/");
}

/** A human label: `.env file .env`, `SQLite upstox-tokens.db`, `Redis redis://…` (password hidden). */
export function describeSink(sink: InitSink): string {
  if (sink.kind === "env") return `.env file ${sink.target}`;
  if (sink.kind === "sqlite") return `SQLite ${sink.target}`;
  return `Redis ${redactUrl(sink.target)}`;
}

/** `redis://user:secret@host` → `redis://user:***@host`, anywhere in a string (for messages). */
export function redactPasswords(text: string): string {
  return text.replace(/(\/\/[^:@/\s]*:)[^@/\s]+@/g, "$1***@");
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return url;
  }
}
