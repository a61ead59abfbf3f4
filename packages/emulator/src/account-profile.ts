import type { EmulatorUser } from "./types.js";

/** The profile fields shared by the token response (flat) and GET /v2/user/profile (`data`). */
export function accountProfile(user: EmulatorUser): Record<string, unknown> {
  return {
    email: user.email,
    exchanges: ["NSE", "NFO", "BSE", "CDS", "BFO", "BCD"],
    products: ["D", "CO", "I"],
    broker: "UPSTOX",
    user_id: user.userId,
    user_name: user.name,
    order_types: ["MARKET", "LIMIT", "SL", "SL-M"],
    user_type: "individual",
    poa: false,
    ddpi: false,
    is_active: true,
  };
}

export function splitName(name: string): { firstName: string; lastName: string } {
  const [firstName = "", ...rest] = name.trim().split(/\s+/);
  return { firstName, lastName: rest.join(" ") };
}
