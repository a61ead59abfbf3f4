import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

// Comments cite the protocol notes as "§N" / "§N.M" (a section) and "R1"–"R10" (a request of §3). The notes are
// docs/upstox-protocol.md, in this repository: every citation must resolve there.
const repo = join(import.meta.dir, "..", "..", "..");
const doc = readFileSync(join(repo, "docs", "upstox-protocol.md"), "utf8");
const SOURCE_DIRS = ["packages", "apps", "examples", "bench", "tests", "scripts"];
const SKIP = new Set(["node_modules", "dist", ".turbo", "coverage"]);

function sourceFiles(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The sections (§N, §N.M) and requests (RN) the doc defines, from its headings. */
function defined(markdown: string): { sections: Set<string>; requests: Set<string> } {
  const sections = new Set<string>();
  const requests = new Set<string>();
  for (const line of markdown.split("\n")) {
    const section = /^#{2,3} (\d+(?:\.\d+)?)\. /.exec(line) ?? /^#{2,3} (\d+(?:\.\d+)?) /.exec(line);
    if (section) sections.add(section[1]!);
    const request = /^### (R\d+):/.exec(line);
    if (request) requests.add(request[1]!);
  }
  return { sections, requests };
}

/** What a comment cites: the comment text of each line (after // or a leading *), RFC sections left out. */
function citations(text: string): { sections: string[]; requests: string[] } {
  const sections: string[] = [];
  const requests: string[] = [];
  for (const line of text.split("\n")) {
    const comment = /^\s*(?:\/\*\*?|\*)\s?(.*)$/.exec(line)?.[1] ?? /\/\/(.*)$/.exec(line)?.[1];
    if (comment === undefined) continue;
    const withoutRfc = comment.replace(/RFC \d+ §[\d.]+/g, "");
    for (const m of withoutRfc.matchAll(/§ ?(\d+(?:\.\d+)?)/g)) sections.push(m[1]!);
    for (const m of withoutRfc.matchAll(/\bR(\d{1,2})\b/g)) requests.push(`R${m[1]}`);
  }
  return { sections, requests };
}

describe("protocol citations", () => {
  const { sections, requests } = defined(doc);

  test("the doc defines the sections and the ten requests", () => {
    expect([...requests].sort()).toEqual(["R1", "R10", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"]);
    for (const s of ["2", "3", "4", "5", "5.1", "5.2", "5.3", "7", "9", "15", "15.1"])
      expect(sections).toContain(s);
  });

  test("the checker reads comments, not code, and leaves RFC sections alone", () => {
    const sample = [
      "/** The headless login (spec §2), R2–R5. */",
      "const x = 'R9 §99';",
      "// Retry-After (RFC 9110 §10.2.3) and §5.1",
      " * see §15.1 and R10",
    ].join("\n");
    expect(citations(sample)).toEqual({ sections: ["2", "5.1", "15.1"], requests: ["R2", "R5", "R10"] });
  });

  test("every §N and RN a comment cites exists in docs/upstox-protocol.md", () => {
    const missing: string[] = [];
    const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(repo, dir)));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const cited = citations(readFileSync(file, "utf8"));
      for (const s of cited.sections) if (!sections.has(s)) missing.push(`${relative(repo, file)}: §${s}`);
      for (const r of cited.requests) if (!requests.has(r)) missing.push(`${relative(repo, file)}: ${r}`);
    }
    expect(missing).toEqual([]);
  });
});
