import type { ConfigProblem } from "@upstox-token/core";
import { formatPath } from "./config-path.js";

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string of a parsed config with the environment's value;
 * `$${` stays a literal `${`. A variable that is not set (and has no default) is a problem naming the field and
 * the variable, so the user learns both at once.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
  path: (string | number)[] = [],
  /** Filled with the variables each field's value came from (`accounts[0].credentials.pin` → ["UPSTOX_PIN_CODE"]). */
  used?: Map<string, string[]>,
): unknown {
  if (typeof value === "string") return interpolateString(value, env, problems, path, used);
  if (Array.isArray(value))
    return value.map((item, i) => interpolateEnv(item, env, problems, [...path, i], used));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateEnv(item, env, problems, [...path, key], used);
    return out;
  }
  return value;
}

function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
  path: (string | number)[],
  used: Map<string, string[]> | undefined,
): string {
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    const value = env[name!];
    if (value !== undefined && value !== "") {
      if (used) {
        const field = formatPath(path);
        used.set(field, [...(used.get(field) ?? []), name!]);
      }
      return value;
    }
    if (fallback !== undefined) return fallback;
    problems.push({
      field: formatPath(path),
      message: `${formatPath(path)}: the environment variable ${name} is not set (referenced as \${${name}}); export ${name}=... before starting the daemon, or write \${${name}:-default}`,
    });
    return "";
  });
}

/** True when the string is nothing but `${VAR}` references (so no secret is written in the file itself). */
export function isOnlyReferences(text: string): boolean {
  return text.replace(REFERENCE, "").trim() === "" && text.includes("${");
}
