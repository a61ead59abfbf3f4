import { describeLockWait, type Logger, type RefreshEvent } from "@upstox-token/core";

/**
 * Renders core's refresh events as the daemon's log lines. Nothing here decides anything, and nothing is
 * translated: the status page, metrics and notifications hear the same events.
 */
export function logRefreshEvent(
  event: RefreshEvent,
  context: { logger: Logger; reason: string; flow: string },
): void {
  const { logger } = context;
  const account = event.account;
  switch (event.type) {
    case "refreshing":
      logger.info(
        { account, attempt: event.attempt, reason: context.reason, flow: context.flow },
        "refreshing",
      );
      return;
    case "retrying":
      logger.warn({ ...errorFields(event), retryInMs: event.delayMs }, "login failed; retrying");
      return;
    case "waiting-for-lock":
      logger.warn({ account, holder: event.holder, since: event.since }, describeLockWait(event));
      return;
    case "served":
      logger.info(
        { account, reason: context.reason, expiresAt: new Date(event.record.expiresAt).toISOString() },
        "token still valid; no login",
      );
      return;
    case "stored":
      // Logged after the status book has the token (health checks key on this line).
      logger.info(
        {
          account,
          loggedIn: event.loggedIn,
          attempts: Math.max(1, event.attempts),
          expiresAt: new Date(event.record.expiresAt).toISOString(),
        },
        event.loggedIn ? "new token stored" : "another instance refreshed it; token stored",
      );
      return;
    case "synced":
      logger.info({ account, sinks: event.sinks }, "brought lagging sinks up to date");
      return;
    case "sink-failed":
      return;
    case "token-refused":
      logger.warn({ account, code: event.error.code }, "Upstox refused the stored token; logging in again");
      return;
    case "rate-limited":
      logger.error(
        { ...errorFields(event), retryAt: new Date(event.retryAt).toISOString() },
        `Upstox rate-limited ${account}: no new login (and no new OTP request) before ${new Date(event.retryAt).toISOString()}`,
      );
      return;
    case "fallback":
      logger.warn(
        { ...errorFields(event), from: event.from, to: event.to },
        event.to === "token-request"
          ? `${event.from} login of ${account} cannot work now (${event.error.code}); falling back to the token request: approve it in the Upstox app`
          : `${event.from} login of ${account} cannot work now (${event.error.code}); falling back to ${event.to}`,
      );
      return;
    case "failed":
      logger.error(
        { ...errorFields(event), reason: event.reason },
        event.permanent
          ? `ACCOUNT ${account} NEEDS ATTENTION: ${event.error.message}. Not retried until the config is reloaded (SIGHUP) or the daemon restarts.`
          : `refresh of ${account} failed for this cycle`,
      );
      return;
  }
}

function errorFields(event: Extract<RefreshEvent, { error: unknown }>) {
  const { error } = event;
  return {
    account: event.account,
    ...("attempt" in event ? { attempt: event.attempt } : {}),
    code: error.code,
    upstoxCode: error.upstoxCode,
    hint: error.hint,
    err: error.message,
  };
}
