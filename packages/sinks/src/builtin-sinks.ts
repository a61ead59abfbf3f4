import type { BuiltinSinks } from "@upstox-token/core";

/**
 * The built-in sinks by short name, for the CLI and the daemon alike. The import specifiers are literal so
 * `bun build --compile` bundles them; each loads only when a config or `--sink` uses it, so a run without
 * SQLite never loads better-sqlite3. SQLite and Redis are optional peers: install the one you use
 * (`@upstox-token/sink-sqlite`, `@upstox-token/sink-redis`); a missing one fails with that install hint.
 */
export const builtinSinks: BuiltinSinks = {
  env: {
    packageName: "@upstox-token/sink-env",
    load: async () => (await import("@upstox-token/sink-env")).envSink,
  },
  sqlite: {
    packageName: "@upstox-token/sink-sqlite",
    load: async () => (await import("@upstox-token/sink-sqlite")).sqliteSink,
  },
  redis: {
    packageName: "@upstox-token/sink-redis",
    load: async () => (await import("@upstox-token/sink-redis")).redisSink,
  },
};
