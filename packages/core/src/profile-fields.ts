import { z } from "zod";
import type { UpstoxProfile } from "./token.js";

/** Upstox's snake_case profile fields, as in the token response (R6) and the profile endpoint (R7). */
export const profileFieldsSchema = z.object({
  user_id: z.string().min(1),
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
});

export type ProfileFields = z.output<typeof profileFieldsSchema>;

export function toUpstoxProfile(p: ProfileFields): UpstoxProfile {
  return {
    userId: p.user_id,
    userName: p.user_name,
    email: p.email,
    broker: p.broker,
    userType: p.user_type,
    exchanges: p.exchanges,
    products: p.products,
    orderTypes: p.order_types,
    poa: p.poa,
    ddpi: p.ddpi,
    isActive: p.is_active,
  };
}

/** The inverse of `toUpstoxProfile`: Upstox's own field names, for storage and JSON output. */
export function fromUpstoxProfile(p: UpstoxProfile): ProfileFields {
  return {
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
  };
}
