import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { runSinkComplianceSuite } from "@upstox-token/sink-test-suite";
import { findFreePort, startRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import { freshPrefix, openSink } from "./helpers.js";

const server = await startRedisServer();
afterAll(() => server.stop());

await runSinkComplianceSuite(
  { describe, test, expect, beforeEach, afterEach },
  {
    name: "redis",
    store: async () => {
      const prefix = freshPrefix();
      // The suite's records expire at least an hour from now, so the sink runs as configured (PXAT on).
      return {
        open: () => openSink({ url: server.url, prefix }),
        openBroken: async () =>
          openSink({ url: `redis://127.0.0.1:${await findFreePort()}`, prefix, connectTimeoutMs: 500 }),
      };
    },
  },
);
