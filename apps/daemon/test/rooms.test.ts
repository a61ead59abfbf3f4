import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// The daemon's rooms, lowest first. A file may import from its own room or a lower one, never a higher one;
// and no chain of imports (type-only ones included) may come back to where it started.
const ROOMS = ["config", "observe", "runner", "http", "service", "commands", "(top)"] as const;
const src = join(import.meta.dir, "..", "src");
/** A source file longer than this says why in its first lines ("// Over 300 lines: <the reason>"). */
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function roomOf(file: string): (typeof ROOMS)[number] {
  const first = relative(src, file).split("/")[0] ?? "";
  const room = ROOMS.find((r) => r === first);
  return room ?? "(top)";
}

/** Every relative module a file names: import/export … from, import type, side-effect and dynamic imports. */
function importsOf(file: string, text: string): string[] {
  const specifiers = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) specifiers.add(match[1]!);
  return [...specifiers]
    .filter((s) => s.startsWith("."))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
}

/** The cycles of a graph (one per strongly connected component with more than one node, or a self-loop). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

const files = sourceFiles(src);
const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(file, "utf8"))]));
const name = (file: string) => relative(src, file);

describe("the daemon's rooms", () => {
  test("the checker finds an upward import and a cycle when there is one", () => {
    const text = `import type { A } from "../http/a.js";\nexport { b } from "./b.js";\nconst c = await import("./c.js");`;
    const from = join(src, "config", "x.ts");
    expect(importsOf(from, text).map(name)).toEqual(["http/a.ts", "config/b.ts", "config/c.ts"]);
    const looped = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cyclesOf(looped).map((c) => c.sort())).toEqual([["a", "b", "c"]]);
  });

  test("every file imports only from its own room or a lower one", () => {
    expect(files.length).toBeGreaterThan(50);
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const room = ROOMS.indexOf(roomOf(file));
      for (const target of imports) {
        if (ROOMS.indexOf(roomOf(target)) > room) upward.push(`${name(file)} -> ${name(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  test("no import cycle, type-only imports included", () => {
    expect(cyclesOf(graph).map((cycle) => cycle.map(name).sort())).toEqual([]);
  });

  test(`no source file over ${MAX_LINES} lines without a reason at its top`, () => {
    const long = files.flatMap((file) => {
      const text = readFileSync(file, "utf8");
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      const reason = /^\/\/ Over 300 lines: \S/m.test(text.split("\n").slice(0, 5).join("\n"));
      return lines > MAX_LINES && !reason ? [`${name(file)} (${lines} lines)`] : [];
    });
    expect(long).toEqual([]);
  });
});
