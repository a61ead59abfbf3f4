import { afterEach, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openSink, tempFolder } from "./helpers.js";

const WRITER = join(import.meta.dir, "fixtures", "write-loop.ts");
const KEY = Buffer.alloc(32, 3).toString("base64");

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startWriter(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [WRITER, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return child;
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        child.stdout?.off("data", onData);
        resolve(buffered.slice(0, newline));
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`writer exited (${code}) before its first write`)));
  });
}

test("two processes writing at once: busy_timeout serialises them, none fails, the highest generation wins", async () => {
  const { dir, cleanup } = await tempFolder();
  cleanups.push(cleanup);
  const path = join(dir, "tokens.db");
  // One takes the odd generations, the other the even ones, both for the same account; plus a second account.
  const runs = [
    finished(startWriter([path, "main", "1", "150", "2"])),
    finished(startWriter([path, "main", "2", "150", "2"])),
    finished(startWriter([path, "side", "1", "150"])),
  ];
  const results = await Promise.all(runs);
  for (const result of results) {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  }
  const summaries = results.map((result) => JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}"));
  expect(summaries[0].written + summaries[0].stale).toBe(150);
  expect(summaries[1].last).toBe(300);
  expect(summaries[2].written).toBe(150);
  const sink = await openSink(dir, { retention: 1000 });
  cleanups.push(() => sink.close());
  expect((await sink.read("main"))?.generation).toBe(300);
  expect((await sink.history("side", 1000)).length).toBe(150);
}, 60_000);

test("SIGKILL at random points while writing: the file stays intact and the newest row is a whole record", async () => {
  const { dir, cleanup } = await tempFolder();
  cleanups.push(cleanup);
  const path = join(dir, "tokens.db");
  const env = { TEST_KEY_ENV: "TOKEN_KEY", TOKEN_KEY: KEY };
  const started = Date.now();
  let kills = 0;
  while (kills < 30 && Date.now() - started < 12_000) {
    const child = startWriter([path, "main", "next", "forever"], env);
    const exit = finished(child);
    expect(await firstLine(child)).toBe("ready");
    await Bun.sleep(Math.random() * 25);
    child.kill("SIGKILL");
    const { code, stderr } = await exit;
    expect(code).toBeNull(); // killed, not crashed
    expect(stderr).toBe("");
    kills += 1;
  }
  expect(kills).toBeGreaterThanOrEqual(10);

  const db = new Database(path);
  expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  const max = db.prepare("SELECT MAX(generation) AS g, COUNT(*) AS n FROM tokens").get() as {
    g: number;
    n: number;
  };
  db.close();
  expect(max.g).toBeGreaterThanOrEqual(kills);

  const sink = await openSink(dir, { retention: 1000, encryptionKeyEnv: "TOKEN_KEY" }, { env });
  cleanups.push(() => sink.close());
  const newest = await sink.read("main");
  expect(newest?.generation).toBe(max.g);
  expect(newest?.accessToken.reveal().split(".")).toHaveLength(3);
  expect(newest?.profile.userName).toBe("Aarav Šarmā (आरव)");
  // Every surviving row decrypts and parses: no torn write anywhere.
  const history = await sink.history("main", 1000);
  expect(history.length).toBe(max.n);
}, 30_000);
