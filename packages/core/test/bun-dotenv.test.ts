import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunLoadedDotenv, withoutBunDotenv } from "../src/bun-dotenv.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bun-dotenv-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("withoutBunDotenv drops only the variables Bun copied from ./.env files", () => {
  const dir = tempDir();
  writeFileSync(join(dir, ".env"), "FROM_FILE=a\nSHADOWED=file\n");
  writeFileSync(join(dir, ".env.local"), "LOCAL=b\n");
  const env = { FROM_FILE: "a", SHADOWED: "shell", LOCAL: "b", PATH: "/bin" };
  // The files are parsed as dotenv (core's readEnvironment) unless told otherwise.
  expect(withoutBunDotenv(env, dir)).toEqual({ SHADOWED: "shell", PATH: "/bin" });
  // Nothing to strip in a folder without .env files.
  expect(withoutBunDotenv(env, tempDir())).toEqual(env);
});

test("bunLoadedDotenv: only Bun, and not when Bun was told --no-env-file or its own --env-file", () => {
  const bun = { ...process.versions, bun: "1.4.4" };
  const node = { ...process.versions, bun: undefined } as unknown as NodeJS.ProcessVersions;
  expect(bunLoadedDotenv(bun, [])).toBe(true);
  expect(bunLoadedDotenv(node, [])).toBe(false);
  expect(bunLoadedDotenv(bun, ["--no-env-file"])).toBe(false);
  expect(bunLoadedDotenv(bun, ["--env-file=other.env"])).toBe(false);
  expect(bunLoadedDotenv(bun, ["--smol"])).toBe(true);
});
