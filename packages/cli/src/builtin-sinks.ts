/** The built-in sinks by short name: @upstox-token/sinks, shared with the daemon. */
export { builtinSinks } from "@upstox-token/sinks";
