export { LATEST_SCHEMA_VERSION, type Migration, migrate, migrations } from "./migrations.js";
export { type ResolvedSqliteSinkOptions, type SqliteSinkOptions, sqliteSinkOptions } from "./options.js";
export { sqliteSink } from "./sqlite-sink-definition.js";
export {
  SqliteTokenSink,
  type SqliteTokenSinkDependencies,
  type TokenHistoryEntry,
} from "./sqlite-token-sink.js";
