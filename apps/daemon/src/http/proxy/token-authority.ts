/**
 * The proxy's view of the tokens: the interface lives in core (refresh/token-authority.ts), next to the
 * engine's authority that implements it. Re-exported here so the proxy's imports stay as they are.
 */
export type { CurrentToken, RefreshNowResult, TokenAuthority } from "@upstox-token/core";
