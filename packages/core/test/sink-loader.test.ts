import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import {
  type BuiltinSinks,
  ConfigError,
  createSinkFromSpec,
  defineSink,
  resolveSinkFactory,
  SinkError,
  silentLogger,
  sinkSpecFromShorthand,
} from "../src/index.js";
import { MemorySink } from "./memory-sink.js";

const memoryFactory = defineSink({
  kind: "memory",
  optionsSchema: z.object({ label: z.string().min(1) }),
  fromShorthand: (label: string) => ({ label }),
  create: (options) => new MemorySink(`memory:${options.label}`),
});

const builtins: BuiltinSinks = {
  memory: { packageName: "@example/memory", load: async () => memoryFactory },
  broken: {
    packageName: "@upstox-token/sink-not-installed",
    load: async () => {
      throw new Error("Cannot find package '@upstox-token/sink-not-installed'");
    },
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sink-loader-"));
  const coreEntry = new URL("../src/index.ts", import.meta.url).href;
  // The temp folder has no node_modules: point the user's module at this package's zod.
  const zodEntry = import.meta.resolve("zod");
  await writeFile(
    join(dir, "my-sink.ts"),
    `import { defineSink } from ${JSON.stringify(coreEntry)};
import { z } from ${JSON.stringify(zodEntry)};
export default defineSink({ kind: "mine", optionsSchema: z.object({}), create: () => ({ name: "mine", write: async () => ({ status: "written" }) }) });
`,
  );
  await writeFile(join(dir, "not-a-sink.ts"), "export const nothing = 1;\n");
  // A module importing a package that is not installed beside it (Bun would fetch it from the registry).
  await writeFile(join(dir, "needs-core.ts"), 'export { default } from "./needs-core-inner.js";\n');
  await writeFile(
    join(dir, "needs-core-inner.ts"),
    'import { defineSink } from "@upstox-token/core";\nexport default defineSink;\n',
  );
  // A sink installed in the project's node_modules.
  await mkdir(join(dir, "project", "node_modules", "upstox-token-sink-fake"), { recursive: true });
  await mkdir(join(dir, "project", "config"), { recursive: true });
  await writeFile(
    join(dir, "project", "node_modules", "upstox-token-sink-fake", "package.json"),
    JSON.stringify({ name: "upstox-token-sink-fake", type: "module", main: "index.js" }),
  );
  await writeFile(
    join(dir, "project", "node_modules", "upstox-token-sink-fake", "index.js"),
    `export const sink = { kind: "fake", optionsSchema: { safeParse: (v) => ({ success: true, data: v }) }, create: () => ({}) };\n`,
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("sink loader", () => {
  test("resolves a built-in by its short name", async () => {
    expect(await resolveSinkFactory("memory", { builtins, baseDir: dir })).toBe(memoryFactory);
  });

  test("a built-in whose package is missing says which package to install", async () => {
    const error = await resolveSinkFactory("broken", { builtins, baseDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).code).toBe("SINK_NOT_FOUND");
    expect((error as SinkError).hint).toContain("bun add @upstox-token/sink-not-installed");
  });

  test("loads a user's sink from a module path relative to the config folder", async () => {
    const factory = await resolveSinkFactory("./my-sink.ts", { builtins, baseDir: dir });
    expect(factory.kind).toBe("mine");
  });

  test("an unknown name lists the built-ins", async () => {
    const error = (await resolveSinkFactory("s3", { builtins, baseDir: dir }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(error.message).toContain('unknown sink "s3"');
    expect(error.hint).toContain("memory, broken");
  });

  test("a package installed in the project (config folder or a parent) resolves", async () => {
    const factory = await resolveSinkFactory("upstox-token-sink-fake", {
      builtins,
      baseDir: join(dir, "project", "config"),
    });
    expect(factory.kind).toBe("fake");
  });

  test("a name that is neither built in nor installed is SINK_NOT_FOUND, and nothing is fetched", async () => {
    const error = (await resolveSinkFactory("is-odd", { builtins, baseDir: dir, cwd: dir }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(error.code).toBe("SINK_NOT_FOUND");
    expect(error.message).toBe('unknown sink "is-odd"');
    expect(error.hint).toContain("memory, broken");
    expect(error.hint).toContain("bun add");
  });

  test("a module whose import is not installed beside it says which package, before importing it", async () => {
    const error = (await resolveSinkFactory("./needs-core.ts", { builtins, baseDir: dir }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(error.code).toBe("SINK_NOT_FOUND");
    expect(error.message).toContain("cannot find package @upstox-token/core");
    expect(error.message).toContain("needs-core-inner.ts");
  });

  test("a module without a factory is refused with a hint", async () => {
    const error = (await resolveSinkFactory("./not-a-sink.ts", { builtins, baseDir: dir }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(error.message).toContain("does not export a sink factory");
    expect(error.hint).toContain("defineSink");
  });

  test("bad options name the config field", async () => {
    const error = await createSinkFromSpec(
      { use: "memory", options: { label: "" } },
      { builtins, baseDir: dir, logger: silentLogger, field: "sinks[1].options", file: "/etc/u.json" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("sinks[1].options.label");
    expect((error as ConfigError).file).toBe("/etc/u.json");
  });

  test("CLI shorthand goes through the factory's fromShorthand", async () => {
    expect(await sinkSpecFromShorthand("memory:primary", { builtins, baseDir: dir })).toEqual({
      use: "memory",
      options: { label: "primary" },
    });
    expect(await sinkSpecFromShorthand("memory", { builtins, baseDir: dir })).toEqual({ use: "memory" });
    const sink = await createSinkFromSpec(
      await sinkSpecFromShorthand("memory:x", { builtins, baseDir: dir }),
      { builtins, baseDir: dir, logger: silentLogger },
    );
    expect(sink.name).toBe("memory:x");
  });
});
