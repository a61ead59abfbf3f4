/**
 * Everything in @upstox-token/core, internals included: the project's own shells (CLI, daemon, sinks) import the
 * machinery from here. Not a stable interface for other programs: use "@upstox-token/core".
 */

export * from "@upstox-token/http-body";
export * from "./bun-dotenv.js";
export * from "./clock-skew.js";
export * from "./cookie-jar.js";
export * from "./did-you-mean.js";
export * from "./firewall-block.js";
export * from "./flows/callback-page.js";
export * from "./flows/notifier.js";
export * from "./flows/pick-account.js";
export * from "./flows/step-fallback.js";
export * from "./flows/verify-delivery.js";
export * from "./http-client.js";
export * from "./index.js";
export * from "./profile-fields.js";
export * from "./redact-url.js";
export * from "./refresh/login-guards.js";
export * from "./refresh/sink-set.js";
export * from "./service-headers.js";
export * from "./sink-fanout.js";
export * from "./state/daemon-pid-file.js";
export * from "./state/identity-memory.js";
export * from "./state/manual-store-record.js";
export * from "./state/rate-limit-memory.js";
export * from "./state/refused-pin.js";
export * from "./state/state-file.js";
export * from "./state/user-state.js";
export * from "./upstox-errors.js";
export * from "./value-origin.js";
