export type { SinkSuiteContext, SinkSuiteRecordFields } from "./case.js";
export type { SinkSuiteAssertion, SinkSuiteExpect, SinkSuiteMatchers, SinkSuiteRunner } from "./runner.js";
export { type SinkSuiteGroup, type SinkSuiteStore, sinkSuiteGroups } from "./store.js";
export { runSinkComplianceSuite, type SinkSuiteOptions } from "./suite.js";
export { makeMarkerToken, makeTestJwt, makeTestRecord, type TestRecordOverrides } from "./test-record.js";
