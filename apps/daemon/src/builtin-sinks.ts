import type { BuiltinSinks } from "@upstox-token/core";

/**
 * The built-in sinks by short name (the same three as the CLI's). Each loads only when a config uses it, and the
 * import specifiers are literal so `bun build --compile` bundles them. Defined here rather than imported from
 * @upstox-token/cli: that package's entry point also loads the whole CLI (commander, prompts), which a daemon
 * would carry in memory for months without using.
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
