/**
 * The daemon's config file: its schema (zod) and types. Shared by the daemon (which validates and resolves it)
 * and the CLI's `init` (which writes it), so a written config is one the daemon accepts by construction.
 */

export * from "./alerts-schema.js";
export * from "./fleet-schema.js";
export * from "./morning-schema.js";
export * from "./notifications-schema.js";
export * from "./proxy-config.js";
export * from "./schema.js";
