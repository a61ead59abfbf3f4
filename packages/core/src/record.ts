import { z } from "zod";
import { toIstIso } from "./expiry.js";
import { Secret } from "./secret.js";
import type { TokenSource, UpstoxToken } from "./token.js";

/**
 * What sinks store: a token for one named account, with a generation that only grows. A sink that can read
 * never replaces a stored record with one of a lower generation, so a slow writer cannot roll a token back.
 */
export interface TokenRecord extends UpstoxToken {
  account: string;
  generation: number;
}

export function toRecord(account: string, token: UpstoxToken, generation: number): TokenRecord {
  return { ...token, account, generation };
}

/**
 * The stored JSON form, with Upstox's own field names so that programs in any language can read it.
 * Times are ISO 8601 in IST with their offset.
 */
export const storedRecordSchema = z.object({
  account: z.string().min(1),
  generation: z.number().int().nonnegative(),
  access_token: z.string().min(1),
  extended_token: z.string().nullable().optional(),
  user_id: z.string(),
  user_name: z.string().optional(),
  email: z.string().optional(),
  broker: z.string().optional(),
  user_type: z.string().optional(),
  exchanges: z.array(z.string()).optional(),
  products: z.array(z.string()).optional(),
  order_types: z.array(z.string()).optional(),
  poa: z.boolean().optional(),
  ddpi: z.boolean().optional(),
  is_active: z.boolean().optional(),
  issued_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date"),
  expires_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date"),
  source: z.enum(["totp", "browser", "token-request", "exchange", "manual"]).default("manual"),
});

export type StoredRecord = z.infer<typeof storedRecordSchema>;

/** Serialises a record for storage. This is the one place a sink reveals the token. */
export function serializeRecord(record: TokenRecord): StoredRecord {
  const p = record.profile;
  return {
    account: record.account,
    generation: record.generation,
    access_token: record.accessToken.reveal(),
    extended_token: record.extendedToken?.reveal() ?? null,
    user_id: p.userId,
    user_name: p.userName,
    email: p.email,
    broker: p.broker,
    user_type: p.userType,
    exchanges: p.exchanges,
    products: p.products,
    order_types: p.orderTypes,
    poa: p.poa,
    ddpi: p.ddpi,
    is_active: p.isActive,
    issued_at: toIstIso(record.issuedAt),
    expires_at: toIstIso(record.expiresAt),
    source: record.source,
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
    profile: {
      userId: s.user_id,
      userName: s.user_name,
      email: s.email,
      broker: s.broker,
      userType: s.user_type,
      exchanges: s.exchanges,
      products: s.products,
      orderTypes: s.order_types,
      poa: s.poa,
      ddpi: s.ddpi,
      isActive: s.is_active,
    },
    issuedAt: Date.parse(s.issued_at),
    expiresAt: Date.parse(s.expires_at),
    source: s.source as TokenSource,
  };
}
