import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runSinkComplianceSuite } from "@upstox-token/sink-test-suite";
import { openSink, tempFolder } from "./helpers.js";

await runSinkComplianceSuite(
  { describe, test, expect, beforeEach, afterEach },
  {
    name: "sqlite",
    store: async () => {
      const { dir, cleanup } = await tempFolder();
      return {
        open: () => openSink(dir),
        // A path under a regular file: no one, not even root, can create it.
        openBroken: async () => {
          await writeFile(join(dir, "not-a-folder"), "");
          return openSink(dir, { path: "not-a-folder/tokens.db" });
        },
        cleanup,
      };
    },
  },
);
