import { z } from "zod";

const retentionObject = z
  .object({
    /** Keep at most this many rows per account (the newest by generation). */
    keep: z.number().int().min(1).default(30),
    /** Also drop rows written more than this many days ago. The newest row of an account is always kept. */
    days: z.number().positive().optional(),
  })
  .strict();

/** Options of the `sqlite` sink, validated at the edge (config file, CLI shorthand). */
export const sqliteSinkOptions = z
  .object({
    /** The database file; relative paths resolve against the config file's folder. Its folder must exist. */
    path: z.string().min(1),
    /** How much history to keep per account: a row count (`30`), or `{ keep, days }`. Default: 30 rows. */
    retention: z
      .union([z.number().int().min(1), retentionObject])
      .default({ keep: 30 })
      .transform((retention) => (typeof retention === "number" ? { keep: retention } : retention)),
    /** How long a write waits for another process's lock before failing (SQLite busy_timeout). */
    busyTimeoutMs: z.number().int().nonnegative().default(5000),
    /**
     * The name of an environment variable holding the encryption key; tokens are then stored encrypted
     * (AES-256-GCM). The value is either base64 of exactly 32 bytes, or a passphrase stretched with HKDF-SHA-256.
     */
    encryptionKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .optional(),
    /** File mode of the database and its -wal/-shm files, as an octal string. */
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'must be an octal string such as "0600"')
      .default("0600")
      .transform((mode) => Number.parseInt(mode, 8)),
  })
  .strict();

export type SqliteSinkOptions = z.input<typeof sqliteSinkOptions>;
export type ResolvedSqliteSinkOptions = z.output<typeof sqliteSinkOptions>;
