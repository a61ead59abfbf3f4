export { builtinSinks } from "./builtin-sinks.js";
export type { CliIo } from "./io.js";
export { runCli } from "./run-cli.js";
