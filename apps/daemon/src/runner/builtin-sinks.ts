/** The built-in sinks by short name: @upstox-token/sinks, shared with the CLI (the daemon has all three). */
export { builtinSinks } from "@upstox-token/sinks";
