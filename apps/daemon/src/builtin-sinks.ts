/**
 * The built-in sinks by short name: the CLI's map, through its own entry point, which loads neither commander
 * nor the prompts (a daemon would otherwise carry the whole CLI in memory for months without using it).
 */
export { builtinSinks } from "@upstox-token/cli/builtin-sinks";
