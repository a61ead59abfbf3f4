import { z } from "zod";
import { toIstIso } from "./expiry.js";
import { fromUpstoxProfile, profileFieldsSchema, toUpstoxProfile } from "./profile-fields.js";
import { Secret } from "./secret.js";
import type { TokenSource, UpstoxToken } from "./token.js";

/**
 * What sinks store: a token for one named account, with a generation that only grows. A sink that can read
 * never replaces a stored record with one of a lower generation, so a slow writer cannot roll a token back.
 */
export interface TokenRecord extends UpstoxToken {
  account: string;
  generation: number;
  /**
   * Set when the token was revoked (a `logout`, or Upstox refused it): a revoked record is never served as
   * valid, whatever its expiry says.
   */
  revokedAt?: number;
}

/** True when the record can be handed out: not revoked and not expired at `now`. */
export function isRecordUsable(record: TokenRecord, now: number): boolean {
  return record.revokedAt === undefined && record.expiresAt > now;
}

export function toRecord(account: string, token: UpstoxToken, generation: number): TokenRecord {
  return { ...token, account, generation };
}

/**
 * The stored JSON form, with Upstox's own field names so that programs in any language can read it.
 * Times are ISO 8601 in IST with their offset.
 */
export const storedRecordSchema = profileFieldsSchema.extend({
  account: z.string().min(1),
  generation: z.number().int().nonnegative(),
  access_token: z.string().min(1),
  extended_token: z.string().nullable().optional(),
  // Sinks that keep only the token (.env) may not know the user.
  user_id: z.string(),
  issued_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date"),
  expires_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date"),
  source: z.enum(["totp", "browser", "token-request", "exchange", "manual"]).default("manual"),
  revoked_at: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date")
    .nullable()
    .optional(),
});

export type StoredRecord = z.infer<typeof storedRecordSchema>;

/** Serialises a record for storage. This is the one place a sink reveals the token. */
export function serializeRecord(record: TokenRecord): StoredRecord {
  return {
    account: record.account,
    generation: record.generation,
    access_token: record.accessToken.reveal(),
    extended_token: record.extendedToken?.reveal() ?? null,
    ...fromUpstoxProfile(record.profile),
    issued_at: toIstIso(record.issuedAt),
    expires_at: toIstIso(record.expiresAt),
    source: record.source,
    ...(record.revokedAt === undefined ? {} : { revoked_at: toIstIso(record.revokedAt) }),
  };
}

/** Parses a stored record; throws a ZodError (which never contains the token) on bad input. */
export function deserializeRecord(input: unknown): TokenRecord {
  const s = storedRecordSchema.parse(input);
  return {
    account: s.account,
    generation: s.generation,
    accessToken: new Secret(s.access_token),
    extendedToken: s.extended_token ? new Secret(s.extended_token) : undefined,
    profile: toUpstoxProfile(s),
    issuedAt: Date.parse(s.issued_at),
    expiresAt: Date.parse(s.expires_at),
    source: s.source as TokenSource,
    ...(s.revoked_at ? { revokedAt: Date.parse(s.revoked_at) } : {}),
  };
}
