// The tarball checks themselves: each must catch the mistake it is named after.
import { describe, expect, test } from "bun:test";
import {
  allowedButUnsupported,
  distSourceMismatches,
  runtimeImports,
  typesNotFirst,
  unexpectedFiles,
  workspaceRanges,
} from "../src/tarball-checks.js";
import type { UnpackedTarball } from "../src/workspace.js";

const tarball = (files: string[], manifest: Partial<UnpackedTarball["manifest"]> = {}): UnpackedTarball => ({
  tarball: "x.tgz",
  dir: "/nonexistent",
  files,
  manifest: { name: "@upstox-token/x", version: "1.0.0", ...manifest },
});

describe("runtimeImports", () => {
  test("finds static, multi-line, re-exported and dynamic imports; skips type-only and relative ones", () => {
    const source = [
      'import { z } from "zod";',
      'import type { Redis } from "ioredis";',
      "import {\n  a,\n  b,\n} from 'ky';",
      'export { x } from "dotenv";',
      'export type { Y } from "pino";',
      'export * from "./local.js";',
      'const m = await import("better-sqlite3");',
      'import "node:fs";',
    ].join("\n");
    expect(runtimeImports(source).sort()).toEqual(["better-sqlite3", "dotenv", "ky", "node:fs", "zod"]);
  });
});

describe("allowedButUnsupported", () => {
  test("a looser engines range than a dependency's is caught", () => {
    expect(allowedButUnsupported(">=22", ">=22.12.0")[0]).toBe("22.0.0");
    expect(allowedButUnsupported(">=22.12", ">=22.12.0")).toEqual([]);
    expect(allowedButUnsupported(">=22", ">=20.0.0")).toEqual([]);
    expect(allowedButUnsupported(">=20", ">=22")[0]).toBe("20.0.0");
  });
});

test("workspace: ranges left in any dependency field are reported", () => {
  const t = tarball([], {
    peerDependencies: { "@upstox-token/core": "workspace:*" },
    dependencies: { zod: "^4" },
  });
  expect(workspaceRanges(t)).toEqual(["peerDependencies.@upstox-token/core: workspace:*"]);
});

test("tests, fixtures and configs in a tarball are reported", () => {
  const t = tarball([
    "package.json",
    "README.md",
    "dist/index.js",
    "src/index.ts",
    "src/index.test.ts",
    "test/a.test.ts",
    "src/fixtures/a.json",
    "tsconfig.json",
  ]);
  expect(unexpectedFiles(t)).toEqual([
    "src/index.test.ts",
    "test/a.test.ts",
    "src/fixtures/a.json",
    "tsconfig.json",
  ]);
});

test("stale and unbuilt dist files are reported", () => {
  const t = tarball(["dist/a.js", "dist/gone.js", "src/a.ts", "src/new.ts"]);
  expect(distSourceMismatches(t)).toEqual([
    "dist/gone.js has no src/gone.ts (stale build?)",
    "src/new.ts was not built to dist/new.js",
  ]);
});

test("an exports condition object without types first is reported", () => {
  const t = tarball([], { exports: { ".": { import: "./dist/index.js", types: "./dist/index.d.ts" } } });
  expect(typesNotFirst(t)).toEqual(['exports["."]: types is not first']);
});
