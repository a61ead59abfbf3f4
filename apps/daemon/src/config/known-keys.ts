import { closestMatch } from "@upstox-token/core/internal";
import { configJsonSchema } from "./json-schema.js";

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

let cached: JsonSchema | undefined;
/** The config's JSON Schema, built only when a message needs it (a config with an unknown key). */
const root = (): JsonSchema => {
  cached ??= configJsonSchema() as JsonSchema;
  return cached;
};

/** Every schema a value at this spot may follow (the branches of a union included). */
function branches(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  return [schema, ...nested.flatMap(branches)];
}

/** The keys the config knows at `path` (e.g. ["accounts", 0, "schedule"] → cron, timezone, jitterMaxMs). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let here = branches(root());
  for (const part of path) {
    here = here.flatMap((s) =>
      typeof part === "number" ? branches(s.items) : branches(s.properties?.[String(part)]),
    );
  }
  return [...new Set(here.flatMap((s) => Object.keys(s.properties ?? {})))];
}

/** Every key path in the config's schema, written as in messages (`schedule.timezone`, `accounts[].flow`). */
function allKeyPaths(): { key: string; path: string }[] {
  const out: { key: string; path: string }[] = [];
  const walk = (schema: JsonSchema, prefix: string, depth: number) => {
    if (depth > 6) return;
    for (const s of branches(schema)) {
      for (const [key, child] of Object.entries(s.properties ?? {})) {
        const path = prefix ? `${prefix}.${key}` : key;
        out.push({ key, path });
        walk(child, path, depth + 1);
      }
      if (s.items) walk(s.items, `${prefix}[]`, depth + 1);
    }
  };
  walk(root(), "", 0);
  return out;
}

/**
 * What an unknown key most likely meant: a known key at the same spot (`sqllite` → …, `timeZone` → `timezone`),
 * else the same key elsewhere in the file (`timeZone` at the top → `schedule.timezone`). Empty when nothing fits.
 */
export function suggestionFor(key: string, path: readonly PropertyKey[]): string {
  const here = closestMatch(key, knownKeysAt(path));
  if (here !== undefined) return ` (did you mean "${here}"?)`;
  // The shortest path that has it: `schedule.timezone` before `accounts[].schedule.timezone`.
  const elsewhere = allKeyPaths()
    .filter((k) => k.key.toLowerCase() === key.toLowerCase())
    .sort((a, b) => a.path.length - b.path.length)[0];
  return elsewhere ? ` (did you mean "${elsewhere.path}"? it belongs there, not here)` : "";
}
