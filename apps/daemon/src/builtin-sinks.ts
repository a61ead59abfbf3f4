import type { BuiltinSinks } from "@upstox-token/core";

/**
 * The built-in sinks by short name, each loaded only when a config uses it (a daemon writing .env files never
 * loads SQLite or Redis). Literal specifiers, so `bun build --compile` bundles them.
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
