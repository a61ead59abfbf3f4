import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@upstox-token/core";
import type { SinkSuiteStore } from "@upstox-token/sink-test-suite";
import sink from "../src/index.js";

export async function jsonFileStore(): Promise<SinkSuiteStore> {
  const dir = await mkdtemp(join(tmpdir(), "json-file-sink-"));
  const context = { baseDir: dir, logger: silentLogger };
  return {
    open: async () => sink.create(sink.optionsSchema.parse({ path: "tokens.json" }), context),
    openBroken: async () => sink.create(sink.optionsSchema.parse({ path: "missing/tokens.json" }), context),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
