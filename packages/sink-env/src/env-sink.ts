import { defineSink } from "@upstox-token/core";
import { EnvFileSink } from "./env-file-sink.js";
import { envSinkOptions } from "./options.js";

/** `env:bot.env`, or `env:bot.env?mode=0600` to give the file that mode even if it exists (tightenMode). */
export function envShorthand(argument: string): { path: string; mode?: string; tightenMode?: boolean } {
  const withMode = /^(.+)\?mode=([0-7]{3,4})$/.exec(argument);
  if (!withMode) return { path: argument };
  return { path: withMode[1]!, mode: withMode[2]!, tightenMode: true };
}

/** The `env` sink: `env:path/.env` on the command line, `{ kind: "env", path, ... }` in a config file. */
export const envSink = defineSink({
  kind: "env",
  optionsSchema: envSinkOptions,
  fromShorthand: envShorthand,
  create: (options, context) => new EnvFileSink(options, context),
});
