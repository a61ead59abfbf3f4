import { defineSink } from "@upstox-token/core";
import { EnvFileSink } from "./env-file-sink.js";
import { envSinkOptions } from "./options.js";

/** The `env` sink: `env:path/.env` on the command line, `{ kind: "env", path, ... }` in a config file. */
export const envSink = defineSink({
  kind: "env",
  optionsSchema: envSinkOptions,
  fromShorthand: (argument: string) => ({ path: argument }),
  create: (options, context) => new EnvFileSink(options, context),
});
