import type { Logger } from "../logger.js";
import { IdentityMemory } from "./identity-memory.js";
import { RateLimitMemory } from "./rate-limit-memory.js";
import { RefusedPinMemory } from "./refused-pin.js";
import { stateLayout, userKey } from "./state-layout.js";

/** What every process of one Upstox user remembers and shares, in `<state>/users/<userKey>/`. */
export interface UserState {
  key: string;
  refusedPin: RefusedPinMemory;
  rateLimit: RateLimitMemory;
  identity: IdentityMemory;
}

/** The state of the Upstox user a config logs in as (its mobile number and client id, hashed). */
export function userStateFor(
  stateDir: string,
  user: { mobile?: string | undefined; clientId?: string | undefined },
  logger?: Logger,
): UserState {
  const key = userKey({ mobile: user.mobile, clientId: user.clientId ?? "" });
  return {
    key,
    refusedPin: new RefusedPinMemory(stateLayout.refusedPin(stateDir, key), logger),
    rateLimit: new RateLimitMemory(stateLayout.rateLimit(stateDir, key), logger),
    identity: new IdentityMemory(stateLayout.identity(stateDir, key), logger),
  };
}
