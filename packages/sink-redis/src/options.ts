import { z } from "zod";

/** Options of the `redis` sink, validated at the edge (config file, CLI shorthand). */
export const redisSinkOptions = z
  .object({
    /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
    url: z.string().regex(/^rediss?:\/\/[^/]/, "must be a redis:// or rediss:// URL"),
    /** Keys are `<prefix><account>`; events go to the channel `<prefix>events`. */
    prefix: z.string().default("upstox-token:"),
    /** How long to wait for a connection before a call fails. */
    connectTimeoutMs: z.number().int().positive().default(3000),
    /** How long to wait for one command's reply before a call fails. */
    commandTimeoutMs: z.number().int().positive().default(2000),
    /** PUBLISH `{account, generation, expires_at}` on `<prefix>events` when a stored token changes. */
    publish: z.boolean().default(true),
    /** Let keys expire at the token's `expiresAt` (PXAT). Off keeps expired tokens until overwritten. */
    expire: z.boolean().default(true),
  })
  .strict();

export type RedisSinkOptions = z.input<typeof redisSinkOptions>;
export type ResolvedRedisSinkOptions = z.output<typeof redisSinkOptions>;
