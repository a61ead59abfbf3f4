import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@upstox-token/core";
import type { SinkSuiteStore } from "@upstox-token/sink-test-suite";
import { envSink } from "../../src/index.js";
import type { EnvSinkOptionsInput } from "../../src/options.js";

/** Every optional key on, so the suite's "token" fields (extended token, user id, issue time) round-trip. */
export const allKeys = {
  extendedToken: "UPSTOX_EXTENDED_TOKEN",
  userId: "UPSTOX_USER_ID",
  issuedAt: "UPSTOX_ACCESS_TOKEN_ISSUED_AT",
};

export async function tempFolder(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "sink-env-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function envStore(extra: Partial<EnvSinkOptionsInput> = {}): () => Promise<SinkSuiteStore> {
  return async () => {
    const { dir, remove } = await tempFolder();
    const context = { baseDir: dir, logger: silentLogger };
    const options = (path: string) => envSink.optionsSchema.parse({ path, keys: allKeys, ...extra });
    return {
      open: async () => envSink.create(options(".env"), context),
      openBroken: async () => envSink.create(options("no-such-folder/.env"), context),
      cleanup: remove,
    };
  };
}
