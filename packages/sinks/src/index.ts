export * from "./builtin-sinks.js";
