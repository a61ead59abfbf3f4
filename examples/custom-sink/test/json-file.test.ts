import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@upstox-token/core";
import { makeMarkerToken, makeTestRecord } from "@upstox-token/sink-test-suite";
import sink, { JsonFileSink, jsonFileSinkOptions, sink as named } from "../src/index.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "json-file-sink-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const open = () =>
  new JsonFileSink(jsonFileSinkOptions.parse({ path: "tokens.json" }), {
    baseDir: dir,
    logger: silentLogger,
  });

test("the default export and the named `sink` are the same factory", () => {
  expect(named).toBe(sink);
  expect(sink.kind).toBe("custom-sink-example");
  expect(sink.fromShorthand?.("t.json")).toEqual({ path: "t.json" });
});

test("writes Upstox's field names, keyed by account, with mode 0600", async () => {
  const record = makeTestRecord({ account: "main", generation: 2 });
  await open().write(record);
  const file = JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"));
  expect(Object.keys(file)).toEqual(["main"]);
  expect(file.main.access_token === record.accessToken.reveal()).toBe(true);
  expect(file.main.generation).toBe(2);
  expect(file.main.expires_at).toMatch(/\+05:30$/);
  expect((await stat(join(dir, "tokens.json"))).mode & 0o777).toBe(0o600);
});

test("a corrupt file fails check() without quoting its contents", async () => {
  const marker = makeMarkerToken();
  await writeFile(join(dir, "tokens.json"), `{"main": {"access_token": "${marker.token}"`);
  const error = await open()
    .check()
    .then(
      () => undefined,
      (e: unknown) => e as Error,
    );
  expect(error?.message).toContain("is not a JSON object");
  expect(JSON.stringify(error).includes(marker.parts[1] as string)).toBe(false);
  expect(String(error?.stack).includes(marker.parts[1] as string)).toBe(false);
});
