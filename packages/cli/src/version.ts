/** Kept in step with package.json by the release (a test checks it). */
export const CLI_VERSION = "0.1.0";
