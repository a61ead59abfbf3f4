import { describe, expect, test } from "bun:test";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeJwtClaims, silentLogger, toIstIso } from "@upstox-token/core";
import dotenv from "dotenv";
import { accountKeyPrefix, EnvFileSink, envSinkOptions } from "../src/index.js";
import { tempFolder } from "./helpers/env-store.js";
import { accountToken, generationRecord, type WriterPlan } from "./helpers/env-writer.js";

const writerScript = join(import.meta.dir, "helpers/env-writer.ts");
const PRESERVED = "# keep this comment\nDATABASE_URL=postgres://app@localhost/app # and this\n\n";

function startWriter(plan: WriterPlan) {
  const child = Bun.spawn([process.execPath, writerScript, JSON.stringify(plan)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk);
      if (output.startsWith("ready\n")) markReady();
    }
    markReady();
  })();
  return { child, ready, reading };
}

/** Asserts the file is whole: our other lines kept, and a complete token whose fields all name one generation. */
function expectWholeFile(text: string, what: string): number {
  expect(text.startsWith(PRESERVED), `${what}: the other lines were lost`).toBe(true);
  const values = dotenv.parse(text);
  const generation = Number(values.UPSTOX_ACCESS_TOKEN_GENERATION);
  expect(Number.isInteger(generation) && generation > 0, `${what}: no generation`).toBe(true);
  const token = values.UPSTOX_ACCESS_TOKEN ?? "";
  expect(/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token), `${what}: the token is not a whole JWT`).toBe(true);
  expect(decodeJwtClaims(token)?.jti, `${what}: the token belongs to another generation`).toBe(
    `gen-${generation}`,
  );
  expect(values.UPSTOX_ACCESS_TOKEN_EXPIRES_AT).toBe(toIstIso(generationRecord(generation).expiresAt));
  return generation;
}

describe("other processes", () => {
  test("a writer SIGKILLed at random points never leaves a truncated or mixed file", async () => {
    const { dir, remove } = await tempFolder();
    const path = join(dir, ".env");
    const lockPath = `${path}.lock`;
    const stats = { kills: 0, writes: 0, locksLeft: 0, tempFilesLeft: 0, finishedBeforeKill: 0 };
    try {
      await writeFile(path, PRESERVED, { mode: 0o600 });
      const sink = new EnvFileSink(envSinkOptions.parse({ path: ".env" }), {
        baseDir: dir,
        logger: silentLogger,
      });
      await sink.write(generationRecord(1));
      const started = Date.now();
      const deadline = started + 12_000;
      let generation = 1;
      while (stats.kills < 40 && stats.writes < 200 && Date.now() < deadline) {
        const writer = startWriter({ dir, kind: "generations", start: generation + 1, count: 500 });
        await writer.ready;
        await Bun.sleep(Math.random() * 40);
        writer.child.kill("SIGKILL");
        await writer.child.exited;
        if (writer.child.signalCode === "SIGKILL") stats.kills++;
        else stats.finishedBeforeKill++;
        const text = await readFile(path, "utf8");
        const stored = expectWholeFile(text, `after kill ${stats.kills}`);
        expect(stored, "the generation went backwards").toBeGreaterThanOrEqual(generation);
        stats.writes += stored - generation;
        generation = stored;
        stats.tempFilesLeft += (await readdir(dir)).filter((name) => name.endsWith(".tmp")).length;
        // The killed writer's lock would go stale only after 10 s (tested below); this test is about the
        // file, so clear the lock of the writer we know is dead.
        if (
          await rm(lockPath, { recursive: true }).then(
            () => true,
            () => false,
          )
        )
          stats.locksLeft++;
      }
      await sink.write(generationRecord(generation + 1));
      expectWholeFile(await readFile(path, "utf8"), "after a clean write");
      expect(
        (await readdir(dir)).filter((name) => name.endsWith(".tmp")),
        "leftover temp files removed",
      ).toEqual([]);
      console.log(`kill test: ${JSON.stringify({ ...stats, ms: Date.now() - started })}`);
      expect(stats.kills).toBeGreaterThanOrEqual(20);
    } finally {
      await remove();
    }
  }, 30_000);

  async function twoWriters(
    kind: WriterPlan["kind"],
  ): Promise<{ missing: number; dir: string; remove: () => Promise<void> }> {
    const { dir, remove } = await tempFolder();
    await writeFile(join(dir, ".env"), PRESERVED);
    const startAt = Date.now() + 400;
    const writers = ["a", "b"].map((accountPrefix) =>
      startWriter({ dir, kind, start: 1, count: 100, accountPrefix, startAt }),
    );
    for (const writer of writers) expect(await writer.child.exited).toBe(0);
    const values = dotenv.parse(await readFile(join(dir, ".env"), "utf8"));
    let missing = 0;
    for (const prefix of ["a", "b"]) {
      for (let i = 1; i <= 100; i++) {
        const account = `${prefix}${i}`;
        if (values[`${accountKeyPrefix(account)}_UPSTOX_ACCESS_TOKEN`] !== accountToken(account)) missing++;
      }
    }
    return { missing, dir, remove };
  }

  test("two processes writing 100 times each into one file lose no update", async () => {
    // Each write adds a new account's keys, so an update lost to a stale read-modify-write stays lost.
    const { missing, dir, remove } = await twoWriters("accounts");
    try {
      expect(missing, "accounts whose write was lost").toBe(0);
      const text = await readFile(join(dir, ".env"), "utf8");
      expect(text.startsWith(PRESERVED)).toBe(true);
      expect(dotenv.parse(text).A100_UPSTOX_ACCESS_TOKEN_ACCOUNT).toBe("a100");
    } finally {
      await remove();
    }
  }, 30_000);

  test("control: the same two writers without the lock do lose updates (so the test above can fail)", async () => {
    const { missing, remove } = await twoWriters("accounts-without-lock");
    try {
      console.log(`without the lock, ${missing} of 200 updates were lost`);
      expect(missing).toBeGreaterThan(0);
    } finally {
      await remove();
    }
  }, 30_000);
});
