import { ConfigError, type ConfigProblem } from "@upstox-token/core";
import type { z } from "zod";
import { formatPath } from "./config-path.js";
import { suggestionFor } from "./known-keys.js";

type Issue = z.core.$ZodIssue;

/** Turns zod's issues into problems that name the field path and say what to write instead. */
export function problemsFromZod(error: z.ZodError, prefix: PropertyKey[] = []): ConfigProblem[] {
  return error.issues.flatMap((issue) => problemsFromIssue(issue, prefix));
}

function problemsFromIssue(issue: Issue, prefix: PropertyKey[]): ConfigProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0 && !isCustomMessage(issue.message)) {
    // Report the branch the user evidently meant: the one that got furthest (its issues are deepest).
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
    if (depth(best) > 0) return best.flatMap((inner) => problemsFromIssue(inner, path));
  }
  const field = formatPath(path);
  return [{ field, message: `${field}: ${describe(issue, path)}` }];
}

function depth(issues: Issue[]): number {
  return Math.max(
    0,
    ...issues.map((i) => (i.code === "invalid_type" && i.path.length === 0 ? 0 : i.path.length + 1)),
  );
}

function isCustomMessage(message: string): boolean {
  return !/^Invalid input/.test(message);
}

function describe(issue: Issue, path: readonly PropertyKey[]): string {
  switch (issue.code) {
    case "invalid_type": {
      const received = (issue as { input?: unknown }).input;
      if (received === undefined && /received undefined/.test(issue.message)) {
        return `is required (${article(issue.expected)})`;
      }
      return `must be ${article(issue.expected)}${/received (\w+)/.test(issue.message) ? `, not ${issue.message.match(/received (\w+)/)![1]}` : ""}`;
    }
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"${suggestionFor(k, path)}`).join(", ")}: remove ${issue.keys.length > 1 ? "them" : "it"} or fix the spelling (see upstox-token.config.schema.json)`;
    case "invalid_value":
      return isCustomMessage(issue.message)
        ? issue.message
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  if (type === "array") return "a list";
  if (type === "object") return "an object";
  if (type === "int") return "a whole number";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** One ConfigError for every problem in a config file, naming the file; exit code 2. */
export function configFileError(file: string | null, problems: ConfigProblem[], hint?: string): ConfigError {
  const where = file ?? "the config";
  const lines = problems.map((p) => `  - ${p.message}`).join("\n");
  return new ConfigError(`invalid config ${where}:\n${lines}`, {
    problems,
    ...(file ? { file } : {}),
    hint:
      hint ??
      'Fix the fields named above. Every field is described in upstox-token.config.schema.json (add "$schema" to the file for editor completion).',
  });
}
