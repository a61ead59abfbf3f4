/**
 * `--account` when none is given: core's DEFAULT_ACCOUNT ("main", as in the daemon configs, init and the docs).
 * Written out rather than imported because the CLI loads core only when a command runs (start-up time); a test
 * keeps the two equal.
 */
export const DEFAULT_ACCOUNT = "main";
