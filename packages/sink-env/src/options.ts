import { z } from "zod";

const keyName = z
  .string()
  .regex(/^[A-Za-z_][\w.-]*$/, "a .env key: letters, digits, `_`, `.` or `-`, not starting with a digit");

/** The keys the sink manages. Only these lines are ever changed; every other byte of the file is kept. */
export const envSinkKeys = z
  .object({
    accessToken: keyName.default("UPSTOX_ACCESS_TOKEN"),
    expiresAt: keyName.default("UPSTOX_ACCESS_TOKEN_EXPIRES_AT"),
    /** Where the generation lives, so a slow writer cannot roll the token back. */
    generation: keyName.default("UPSTOX_ACCESS_TOKEN_GENERATION"),
    /** Which account the token belongs to, so two accounts never silently overwrite each other. */
    account: keyName.default("UPSTOX_ACCESS_TOKEN_ACCOUNT"),
    /** Written only once the token is revoked (`logout`), so readers stop trusting it before it expires. */
    revokedAt: keyName.default("UPSTOX_ACCESS_TOKEN_REVOKED_AT"),
    extendedToken: keyName.optional(),
    userId: keyName.optional(),
    issuedAt: keyName.optional(),
  })
  .strict()
  .refine((keys) => new Set(Object.values(keys)).size === Object.values(keys).length, {
    message: "each managed key needs its own name",
  });

/**
 * A file mode as an octal string ("0600", "640"). Numbers are refused: YAML and JSON read 0600 as decimal 600
 * (or 384), which is how Vault Agent users ended up with world-readable token files.
 */
export const fileMode = z
  .string({
    error: (issue) =>
      typeof issue.input === "number"
        ? `mode must be an octal string such as "0600", not the number ${issue.input} (quote it)`
        : 'mode must be an octal string such as "0600"',
  })
  .regex(/^0?[0-7]{3}$/, 'mode must be an octal string such as "0600" or "640"')
  .transform((value) => Number.parseInt(value, 8));

export const envSinkOptions = z
  .object({
    /** The .env file; relative paths resolve against the config file's folder. */
    path: z.string().min(1),
    keys: envSinkKeys.prefault({}),
    /** Mode for a file the sink creates. An existing file keeps its mode (and owner, where permitted). */
    mode: fileMode.prefault("0600"),
    /** Give an existing file `mode` too (e.g. tighten a 0644 .env to 0600) instead of keeping its mode. */
    tightenMode: z.boolean().default(false),
    /** Write through a symbolic link at `path` to its target. Off: a symlink is refused. */
    followSymlinks: z.boolean().default(false),
    /** Store only this account's token; a record of another account is an error. */
    account: z.string().min(1).optional(),
    /** Keep several accounts in one file: keys become `<ACCOUNT>_<KEY>` (e.g. MAIN_UPSTOX_ACCESS_TOKEN). */
    accountPrefix: z.boolean().default(false),
    /** A shell command run after a write that changed the token. Gets UPSTOX_ACCOUNT and UPSTOX_EXPIRES_AT. */
    onChange: z.string().min(1).optional(),
    onChangeTimeoutMs: z.number().int().positive().default(30_000),
    /** How long a write waits for another writer's lock on the file. */
    lockTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type EnvSinkOptionsInput = z.input<typeof envSinkOptions>;
export type EnvSinkOptions = z.output<typeof envSinkOptions>;
export type EnvSinkKeys = z.output<typeof envSinkKeys>;
