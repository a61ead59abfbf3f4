import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSinkFromSpec, createToken, silentLogger, toRecord } from "@upstox-token/core";
import { builtinSinks } from "../src/index.js";

test("each short name loads its sink's factory, named after its package", async () => {
  expect(Object.keys(builtinSinks).sort()).toEqual(["env", "redis", "sqlite"]);
  for (const [name, entry] of Object.entries(builtinSinks)) {
    expect(entry.packageName).toBe(`@upstox-token/sink-${name}`);
    expect((await entry.load()).kind).toBe(name);
  }
});

test("a spec naming a built-in creates a working sink through the map", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sinks-map-"));
  try {
    const sink = await createSinkFromSpec(
      { use: "env", options: { path: "out.env" } },
      { builtins: builtinSinks, baseDir: dir, logger: silentLogger },
    );
    const token = createToken({
      accessToken: "tok-1",
      profile: { userId: "AB1234" },
      receivedAt: Date.now(),
      source: "totp",
    });
    await sink.write(toRecord("default", token, 1));
    await sink.close?.();
    expect(readFileSync(join(dir, "out.env"), "utf8")).toContain("UPSTOX_ACCESS_TOKEN=tok-1");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
