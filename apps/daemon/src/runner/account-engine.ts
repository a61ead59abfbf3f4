import {
  AccountRefresher,
  DEFAULT_LOCK_WAIT_MS,
  expectedDeliveryUser,
  guardFlowLogin,
  loginForAccount,
  type PinState,
  type RefreshEvent,
  type TokenRecord,
  userStateFor,
  verifyAccountToken,
} from "@upstox-token/core/internal";
import type { ResolvedAccount } from "../config/resolve-config.js";
import type { RunnerDeps, RunnerResources } from "./resources.js";

/** What the runner lends one account's engine: its abort signal, its limiter, and where the events go. */
export interface AccountEngineContext {
  deps: RunnerDeps;
  signal: AbortSignal;
  /** Backoff waits (through the limiter: a waiting account gives its slot away). */
  sleep: (ms: number) => Promise<void>;
  /** Where a cycle runs (the limiter). */
  run: <T>(cycle: () => Promise<T>) => Promise<T>;
  /** A token the previous config's engine held and no sink stored yet (a reload). */
  heldRecord: TokenRecord | null;
  onEvent: (event: RefreshEvent) => void;
}

/** One account's engine for one config: core's AccountRefresher with the account's flows and the config's policy. */
export function createAccountEngine(
  account: ResolvedAccount,
  resources: RunnerResources,
  context: AccountEngineContext,
): AccountRefresher {
  const { clock, logger } = context.deps;
  const loginDeps = {
    fetch: resources.fetch,
    now: () => clock.now(),
    sleep: context.sleep,
    logger,
    signal: context.signal,
    // Fleet mode: the PIN step of this account's current job, recorded in Redis before the PIN leaves.
    onPinStep: async (state: PinState) => {
      await context.deps.pinStepFor?.(account.name)?.(state);
    },
  };
  // What every process of this Upstox user shares: a refused PIN, a rate limit, the user's identity.
  const user = userStateFor(resources.stateDir, account.upstox, logger);
  const guard = { state: user, account: account.name, now: () => clock.now(), logger };
  const pin = account.upstox.pin?.reveal();
  const loginWith = (flow: ResolvedAccount["flow"]) =>
    guardFlowLogin(
      flow,
      () =>
        loginForAccount(account, loginDeps, flow, {
          expectedUserId: expectedDeliveryUser(account.upstox.ucc, user),
        }),
      pin,
      guard,
    );
  return new AccountRefresher({
    account: account.name,
    sinks: resources.sinks.for(account.name),
    heldRecord: context.heldRecord,
    lock: resources.lock,
    // Keyed by the Upstox user, not the account's name: two configs of one user serialise, two users never wait.
    lockKey: user.key,
    lockWaitMs: DEFAULT_LOCK_WAIT_MS,
    marginMs: resources.config.marginMs,
    retry: resources.config.retry,
    flow: account.flow,
    login: loginWith(account.flow),
    fallbacks: account.fallback.map((flow) => ({ flow, login: loginWith(flow) })),
    verifyToken: (record) => verifyAccountToken(account, record, loginDeps),
    // A token is stored only when it is one: a JWT with a future exp that the profile endpoint accepts.
    acceptNewTokens: true,
    now: () => clock.now(),
    sleep: context.sleep,
    random: context.deps.random,
    // Cycles wait for a slot of the limiter inside the engine, so a call meanwhile joins them.
    run: context.run,
    logger,
    onEvent: context.onEvent,
  });
}
