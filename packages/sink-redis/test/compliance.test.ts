import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { runSinkComplianceSuite } from "@upstox-token/sink-test-suite";
import { findFreePort, startRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import { freshPrefix, openSink } from "./helpers.js";

const server = await startRedisServer();
afterAll(() => server.stop());

runSinkComplianceSuite(
  { describe, test, expect, beforeEach, afterEach },
  {
    name: "redis",
    store: async () => {
      const prefix = freshPrefix();
      // expire: false because the suite's records expired in January 2026: with PXAT they would vanish on
      // write. Expiry has its own tests in redis-sink.test.ts.
      return {
        open: () => openSink({ url: server.url, prefix, expire: false }),
        openBroken: async () =>
          openSink({ url: `redis://127.0.0.1:${await findFreePort()}`, prefix, connectTimeoutMs: 500 }),
      };
    },
  },
);
