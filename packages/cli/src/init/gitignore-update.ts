import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { devNull } from "node:os";
import { dirname, join } from "node:path";
import type { IgnoreEntry } from "./setup-files.js";

/** The work tree root above `dir` (a `.git` folder or file, as in worktrees and submodules), if any. */
export function findGitRoot(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current;
    if (dirname(current) === current) return undefined;
  }
}

const normalise = (line: string): string => line.trim().replace(/^\//, "");

/** The lines of `wanted` that the .gitignore text does not have yet (`/x` and `x` count as the same). */
export function missingGitignoreLines(text: string, wanted: readonly string[]): string[] {
  const present = new Set(text.split(/\r?\n/).map(normalise));
  return wanted.filter((line, i) => !present.has(normalise(line)) && wanted.indexOf(line) === i);
}

const HEADER = "# upstox-token: secrets (.env) and stored tokens";

/**
 * Appends lines in the file's own line ending (after a final newline if it lacked one), under a comment the
 * first time; a later run adds its lines without repeating the comment.
 */
export function appendGitignoreLines(text: string, lines: readonly string[]): string {
  if (lines.length === 0) return text;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let result = text;
  if (result.length > 0 && !result.endsWith("\n")) result += eol;
  if (!text.split(/\r?\n/).includes(HEADER)) result += `${result.length > 0 ? eol : ""}${HEADER}${eol}`;
  return `${result}${lines.join(eol)}${eol}`;
}

export type GitignoreUpdate =
  | { path: string; added: string[]; alreadyIgnored: string[] }
  | { skipped: "not a git repository" };

/**
 * Inside a git work tree, makes sure `.env` and the token files are ignored: lines git already ignores (by a
 * pattern anywhere, asked with `git check-ignore`) or that the folder's .gitignore already has are left out.
 */
export async function updateGitignore(
  dir: string,
  entries: readonly IgnoreEntry[],
): Promise<GitignoreUpdate> {
  if (findGitRoot(dir) === undefined) return { skipped: "not a git repository" };
  const path = join(dir, ".gitignore");
  const text = existsSync(path) ? await readFile(path, "utf8") : "";
  const alreadyIgnored = entries.filter((e) => isIgnoredByGit(dir, e.probe)).map((e) => e.line);
  const added = missingGitignoreLines(
    text,
    entries.filter((e) => !alreadyIgnored.includes(e.line)).map((e) => e.line),
  );
  if (added.length > 0) await writeFile(path, appendGitignoreLines(text, added));
  return { path, added, alreadyIgnored };
}

/**
 * false when git says no, or when git is not installed (then the .gitignore text alone decides). The user's
 * global excludes file does not count: it does not protect anyone else who clones the repository.
 */
function isIgnoredByGit(dir: string, probe: string): boolean {
  try {
    execFileSync(
      "git",
      ["-c", `core.excludesFile=${devNull}`, "check-ignore", "-q", "--no-index", "--", probe],
      {
        cwd: dir,
        stdio: "ignore",
      },
    );
    return true;
  } catch {
    return false;
  }
}
