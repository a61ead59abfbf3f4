/**
 * The account name used when none is given: by the CLI's `--account`, `TokenManager`, `init` and the daemon
 * configs the docs and the demo show. One name everywhere, so a token written by one is found by the others.
 */
export const DEFAULT_ACCOUNT = "main";
