import { isUpstoxTokenError, UpstoxTokenError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import type { UserState } from "../state/user-state.js";
import { formatIst } from "../time-format.js";
import type { LoginAttempt } from "./account-refresher.js";

export interface LoginGuardOptions {
  state: UserState;
  /** Names the account in logs. */
  account?: string;
  now?: () => number;
  logger?: Logger;
}

/**
 * Wraps one attempt of the headless login (OTP request, TOTP, PIN) with what other processes of the same
 * Upstox user learnt: a PIN Upstox refused is never sent again (PIN_REFUSED_BEFORE, before any request), and
 * no OTP request goes out before a stored rate limit's end (RATE_LIMITED with `waitAtLeastMs`, so the engine
 * ends the cycle as rate-limited and a daemon reschedules at that instant). What this attempt learns (a refused
 * PIN, a rate limit, the user's identity) is written for the others.
 */
export function guardHeadlessLogin(
  login: LoginAttempt,
  pin: string | undefined,
  o: LoginGuardOptions,
): LoginAttempt {
  const now = o.now ?? Date.now;
  return async (context) => {
    checkBeforeHeadlessLogin(pin, o);
    try {
      const token = await login(context);
      try {
        o.state.rateLimit.forget();
      } catch {
        // It expires by itself; the token matters more.
      }
      learnIdentity(o, token.profile.userId);
      return token;
    } catch (error) {
      if (isUpstoxTokenError(error)) recordFailure(error, pin, o, now());
      throw error;
    }
  };
}

/** Wraps another flow's attempt (token request, browser): only the identity is learnt from its token. */
export function learnIdentityFrom(login: LoginAttempt, o: LoginGuardOptions): LoginAttempt {
  return async (context) => {
    const token = await login(context);
    learnIdentity(o, token.profile.userId);
    return token;
  };
}

/** "2026-12-08 06:30 IST" (the minute; the CLI's and the daemon's wording). */
const istMinute = (ms: number): string => formatIst(ms, { seconds: false });

/** Throws when another process already learnt that this login must not be tried now. Sends nothing. */
export function checkBeforeHeadlessLogin(pin: string | undefined, o: LoginGuardOptions): void {
  const now = (o.now ?? Date.now)();
  const refused = pin ? o.state.refusedPin.check(pin) : null;
  if (refused) {
    throw new UpstoxTokenError(
      "PIN_REFUSED_BEFORE",
      `Upstox refused this PIN at ${istMinute(refused.refusedAt)}; no process sends it again until it changes`,
      {
        pin: "not-sent",
        hint: `Set the right PIN (UPSTOX_PIN_CODE, or the account's credentials.pin) and run again; a changed PIN clears the record. If the PIN was right after all, delete ${o.state.refusedPin.file}.`,
      },
    );
  }
  const until = o.state.rateLimit.pendingUntil(now);
  if (until !== null) {
    throw new UpstoxTokenError(
      "RATE_LIMITED",
      `Upstox asked for a pause: no OTP request for this user before ${istMinute(Math.ceil(until / 60_000) * 60_000)} (learnt by an earlier run; nothing was sent)`,
      {
        retryable: true,
        waitAtLeastMs: until - now,
        pin: "not-sent",
        hint: `Wait until then. Every process of this Upstox user respects it (${o.state.rateLimit.file}).`,
      },
    );
  }
}

function recordFailure(
  error: UpstoxTokenError,
  pin: string | undefined,
  o: LoginGuardOptions,
  now: number,
): void {
  const logger = o.logger ?? silentLogger;
  try {
    if (pin && refusesPin(error)) {
      o.state.refusedPin.remember(pin, now);
      logger.warn(
        { account: o.account, file: o.state.refusedPin.file },
        "Upstox refused the PIN: remembered (a salted hash) so that no process sends it again until it changes",
      );
    }
    if (error.code === "RATE_LIMITED" && (error.waitAtLeastMs ?? 0) > 0) {
      o.state.rateLimit.remember(now + (error.waitAtLeastMs ?? 0), now, error.upstoxCode);
    }
  } catch (caught) {
    logger.error(
      { account: o.account, err: (caught as Error).message },
      "could not write the state folder; other processes will not know what this login learnt",
    );
  }
}

/**
 * Whether Upstox's answer to the PIN step says the PIN is wrong: WRONG_PIN, or an error it answered to the PIN
 * (`pin: "refused"`) that nothing classified (a new code for a wrong PIN must not be sent into a lock-out). A
 * classified answer that is about something else (a rate limit, an expired session, a block) is not.
 */
export function refusesPin(error: UpstoxTokenError): boolean {
  if (error.code === "WRONG_PIN") return true;
  return error.pin === "refused" && (error.code === "UPSTOX_API" || error.code === "UNEXPECTED_RESPONSE");
}

function learnIdentity(o: LoginGuardOptions, userId: string | undefined): void {
  if (!userId) return;
  try {
    o.state.identity.learn(userId, (o.now ?? Date.now)());
  } catch (caught) {
    (o.logger ?? silentLogger).warn(
      { account: o.account, err: (caught as Error).message },
      "could not record the account's Upstox identity",
    );
  }
}

/**
 * The user a notifier delivery must belong to: the configured `ucc` wins, else the identity learnt from the
 * first verified login. Undefined when neither is known.
 */
export function expectedDeliveryUser(ucc: string | undefined, state: UserState): string | undefined {
  return ucc || state.identity.recall();
}

/** The guard a flow's login gets: the headless flow (it sends the OTP request and the PIN) all of them. */
export function guardFlowLogin(
  flow: string,
  login: LoginAttempt,
  pin: string | undefined,
  o: LoginGuardOptions,
): LoginAttempt {
  return flow === "totp" ? guardHeadlessLogin(login, pin, o) : learnIdentityFrom(login, o);
}
