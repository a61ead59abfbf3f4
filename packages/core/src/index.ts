export * from "./errors.js";
export * from "./expiry.js";
export * from "./jwt.js";
export * from "./logger.js";
export * from "./record.js";
export * from "./secret.js";
export * from "./sink.js";
export * from "./token.js";
