import { resolve } from "node:path";
import { defineSink } from "@upstox-token/core";
import { sqliteSinkOptions } from "./options.js";
import { SqliteTokenSink } from "./sqlite-token-sink.js";

/** The `sqlite` sink: `sqlite:tokens.db` on the command line, `{ kind: "sqlite", path }` in a config file. */
export const sqliteSink = defineSink({
  kind: "sqlite",
  optionsSchema: sqliteSinkOptions,
  fromShorthand: (argument) => ({ path: argument }),
  create: (options, context) =>
    new SqliteTokenSink(
      { ...options, path: resolve(context.baseDir, options.path) },
      { logger: context.logger },
    ),
});
