import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { runSinkComplianceSuite } from "@upstox-token/sink-test-suite";
import { jsonFileStore } from "./json-file-store.js";

await runSinkComplianceSuite(
  { describe, test, expect, beforeEach, afterEach },
  { name: "json-file", store: jsonFileStore },
);
