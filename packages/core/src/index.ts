/**
 * The public surface of @upstox-token/core: what a program, a sink author or a shell needs. The machinery under it
 * (HTTP client, cookie jar, envelope parsing, bounded bodies, sink fan-out, ...) is exported from
 * "@upstox-token/core/internal" for this project's own shells, and may change without a major version.
 */

export * from "./account-lock.js";
export * from "./backoff.js";
// Configuration and credentials
export * from "./config.js";
export * from "./config-env.js";
export * from "./credentials.js";
export * from "./default-account.js";
export * from "./doctor/index.js";
export * from "./endpoint-profile.js";
export * from "./endpoint-profile-file.js";
// Errors, secrets and the logger
export * from "./errors.js";
export * from "./expiry.js";
// The login flows (docs/upstox-protocol.md)
export * from "./flows/authorization-url.js";
export * from "./flows/endpoint-memory.js";
export * from "./flows/exchange-code.js";
export * from "./flows/flow-deps.js";
export * from "./flows/login-with-browser.js";
export * from "./flows/login-with-token-request.js";
export * from "./flows/login-with-totp.js";
export * from "./flows/logout.js";
export * from "./flows/profile.js";
export * from "./flows/token-request.js";
// Operations
export * from "./hooks/run-hook.js";
export * from "./jwt.js";
export * from "./locks/file-lock.js";
export * from "./logger.js";
export * from "./manager.js";
export * from "./record.js";
export * from "./redact-config.js";

// The refresh engine and what it hands the token to
export * from "./refresh/account-refresher.js";
export * from "./refresh/events.js";
export * from "./refresh/flow-dispatch.js";
export * from "./refresh/lagging-sinks.js";
export * from "./refresh/morning-policy.js";
export * from "./refresh/profile-check.js";
export * from "./refresh/retry-policy.js";
export * from "./refresh/token-acceptance.js";
export * from "./refresh/token-authority.js";
export * from "./refresh/token-holder.js";
export * from "./refresh/token-watchdog.js";
export * from "./revoke-record.js";
export * from "./secret.js";
export * from "./secret-redactor.js";
// Sinks and locks
export * from "./sink.js";
export * from "./sink-loader.js";
export * from "./state/last-refresh.js";
export * from "./state/state-layout.js";
export * from "./time-format.js";
// The token: model, expiry, records
export * from "./token.js";
export * from "./totp.js";
