import { describe, expect, test } from "bun:test";
import { copyFile, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, toIstIso } from "@upstox-token/core";
import { makeTestRecord } from "@upstox-token/sink-test-suite";
import dotenv from "dotenv";
import { EnvFileSink, envSinkOptions } from "../src/index.js";
import { tempFolder } from "./helpers/env-store.js";

const fixtures = join(import.meta.dir, "fixtures");
const names = (await readdir(fixtures)).filter((name) => name.endsWith(".env")).sort();
const managedKeys = [
  "UPSTOX_ACCESS_TOKEN",
  "UPSTOX_ACCESS_TOKEN_EXPIRES_AT",
  "UPSTOX_ACCESS_TOKEN_GENERATION",
  "UPSTOX_ACCESS_TOKEN_ACCOUNT",
];

// The first Python that has python-dotenv: the one on PATH (pip), or Debian's (apt's python3-dotenv).
const python = ["python3", "/usr/bin/python3"].find((candidate) => {
  try {
    return Bun.spawnSync([candidate, "-c", "import dotenv"]).exitCode === 0;
  } catch {
    return false;
  }
});
const pythonDotenv = python !== undefined;

function pythonParse(...paths: string[]): Array<Record<string, string | null>> {
  const run = Bun.spawnSync([python!, join(import.meta.dir, "helpers/python-dotenv.py"), ...paths]);
  if (run.exitCode !== 0) throw new Error(`python-dotenv failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString());
}

function lines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$/g) ?? [];
}

function managedKeyOf(line: string): string | undefined {
  const key = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]/.exec(line)?.[1];
  return key && managedKeys.includes(key) ? key : undefined;
}

/** The part of a line before its value: indentation, `export `, key, spacing and `=`. */
function linePrefix(line: string): string | undefined {
  return /^\s*(?:export\s+)?[\w.-]+\s*[=:][ \t]*/.exec(line)?.[0];
}

/**
 * Asserts that `after` differs from `before` only in the managed keys' last lines (same prefix, same line
 * ending) and in managed lines appended at the end in the file's line ending.
 */
function expectOnlyManagedLinesChanged(before: string, after: string): void {
  const old = lines(before);
  const next = lines(after);
  const eol = before.includes("\r\n") ? "\r\n" : "\n";
  const touched: string[] = [];
  old.forEach((line, i) => {
    const now = next[i] as string;
    if (line === now) return;
    const lastLine = i === old.length - 1 && !/[\r\n]$/.test(line);
    if (lastLine && now === line + eol) return;
    const key = managedKeyOf(line);
    expect(key, `line ${i + 1} changed but is not a managed key: ${JSON.stringify(line)}`).toBeDefined();
    expect(managedKeyOf(now)).toBe(key as string);
    const laterSameKey = old.slice(i + 1).some((later) => managedKeyOf(later) === key);
    expect(laterSameKey, `line ${i + 1} is not the last ${key}`).toBe(false);
    expect(linePrefix(now), `line ${i + 1} lost its prefix`).toBe(linePrefix(line) as string);
    // An unterminated last line gets the file's line ending when keys are appended after it.
    const ending = now.match(/(\r\n|\n|\r)?$/)?.[0];
    const oldEnding = line.match(/(\r\n|\n|\r)?$/)?.[0];
    expect(ending === oldEnding || (lastLine && ending === eol), `line ${i + 1} lost its line ending`).toBe(
      true,
    );
    touched.push(key as string);
  });
  for (const line of next.slice(old.length)) {
    const key = managedKeyOf(line);
    expect(key, `appended a line that is not managed: ${JSON.stringify(line)}`).toBeDefined();
    expect(line.endsWith(eol), "appended line uses the file's line ending").toBe(true);
    expect(line.endsWith(`\r${eol}`)).toBe(false);
    touched.push(key as string);
  }
  expect(touched.sort()).toEqual([...managedKeys].sort());
}

describe("a corpus of real-world .env files", () => {
  test("has at least 12 files", () => expect(names.length).toBeGreaterThanOrEqual(12));

  for (const name of names) {
    test(name, async () => {
      const { dir, remove } = await tempFolder();
      try {
        const path = join(dir, ".env");
        await copyFile(join(fixtures, name), path);
        const before = await readFile(path, "utf8");
        const sink = new EnvFileSink(envSinkOptions.parse({ path: ".env" }), {
          baseDir: dir,
          logger: silentLogger,
        });
        const record = makeTestRecord({ generation: 7 });
        expect(await sink.write(record)).toEqual({ status: "written" });
        const after = await readFile(path, "utf8");
        const managed = {
          UPSTOX_ACCESS_TOKEN: record.accessToken.reveal(),
          UPSTOX_ACCESS_TOKEN_EXPIRES_AT: toIstIso(record.expiresAt),
          UPSTOX_ACCESS_TOKEN_GENERATION: "7",
          UPSTOX_ACCESS_TOKEN_ACCOUNT: "main",
        };

        expectOnlyManagedLinesChanged(before, after);
        expect(dotenv.parse(after)).toEqual({ ...dotenv.parse(before), ...managed });
        expect(dotenv.parse(after, { fast: true })).toEqual({
          ...dotenv.parse(before, { fast: true }),
          ...managed,
        });
        if (pythonDotenv) {
          const original = join(dir, "original.env");
          await copyFile(join(fixtures, name), original);
          const [pyBefore, pyAfter] = pythonParse(original, path);
          expect(pyAfter).toEqual({ ...pyBefore, ...managed });
        }
        const read = await sink.read("main");
        expect(read?.accessToken.reveal() === record.accessToken.reveal()).toBe(true);
        expect(read?.generation).toBe(7);

        // A second write of the same record changes nothing at all.
        expect(await sink.write(record)).toEqual({ status: "written" });
        expect(await readFile(path, "utf8")).toBe(after);
        await sink.close();
      } finally {
        await remove();
      }
    });
  }

  test.skipIf(!pythonDotenv)("python-dotenv is checked when installed", () =>
    expect(pythonDotenv).toBe(true),
  );
});
