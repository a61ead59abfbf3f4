import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { runSinkComplianceSuite } from "@upstox-token/sink-test-suite";
import { envStore } from "./helpers/env-store.js";

const runner = { describe, test, expect, beforeEach, afterEach };
// A .env file stores the token fields, not the whole profile: recordFields "token".
await runSinkComplianceSuite(runner, {
  name: "env",
  store: envStore({ accountPrefix: true }),
  recordFields: "token",
});
// One account per file (the default) refuses a second account, so multiAccount does not apply.
await runSinkComplianceSuite(runner, {
  name: "env (one account per file)",
  store: envStore(),
  recordFields: "token",
  skip: ["multiAccount"],
});
