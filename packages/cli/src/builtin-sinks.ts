import type { BuiltinSinks } from "@upstox-token/core";

/**
 * The built-in sinks by short name. The import specifiers are literal so `bun build --compile` bundles them;
 * each loads only when used, so a run without sinks never pays for SQLite or Redis.
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
