import { describeLockWait, type Logger, type RefreshEvent } from "@upstox-token/core";
import type { DaemonEvents } from "../observe/events.js";

/**
 * Renders core's refresh events for the daemon: a log line each, and the daemon events the status server,
 * metrics and notifications listen to. Nothing here decides anything.
 */
export function renderRefreshEvent(
  event: RefreshEvent,
  context: { events: DaemonEvents; logger: Logger; reason: string; flow: string },
): void {
  const { events, logger } = context;
  const account = event.account;
  const at = event.at;
  switch (event.type) {
    case "refreshing":
      events.emit({ type: "refresh-started", account, attempt: event.attempt, at });
      logger.info(
        { account, attempt: event.attempt, reason: context.reason, flow: context.flow },
        "refreshing",
      );
      return;
    case "retrying":
      events.emit({
        type: "refresh-failed",
        account,
        error: event.error,
        attempt: event.attempt,
        willRetry: true,
        at,
      });
      logger.warn({ ...errorFields(event), retryInMs: event.delayMs }, "login failed; retrying");
      return;
    case "waiting-for-lock":
      events.emit({ type: "waiting-for-lock", account, holder: event.holder, since: event.since, at });
      logger.warn({ account, holder: event.holder, since: event.since }, describeLockWait(event));
      return;
    case "served":
      events.emit({
        type: "refresh-skipped",
        account,
        reason: "valid-token-stored",
        expiresAt: event.record.expiresAt,
        at,
      });
      logger.info(
        { account, reason: context.reason, expiresAt: new Date(event.record.expiresAt).toISOString() },
        "token still valid; no login",
      );
      return;
    case "stored":
      // "new token stored" is logged by the runner once its status shows the token (health checks key on it).
      logger.debug({ account, attempts: event.attempts }, "token written to the sinks");
      return;
    case "synced":
      events.emit({ type: "sinks-synced", account, sinks: event.sinks, at });
      logger.info({ account, sinks: event.sinks }, "brought lagging sinks up to date");
      return;
    case "sink-failed":
      events.emit({ type: "sink-failed", account, sink: event.sink, error: event.error, at });
      return;
    case "token-refused":
      logger.warn({ account, code: event.error.code }, "Upstox refused the stored token; logging in again");
      return;
    case "rate-limited":
      events.emit({
        type: "refresh-failed",
        account,
        error: event.error,
        attempt: event.attempt,
        willRetry: false,
        at,
      });
      events.emit({ type: "rate-limited", account, error: event.error, retryAt: event.retryAt, at });
      logger.error(
        { ...errorFields(event), retryAt: new Date(event.retryAt).toISOString() },
        `Upstox rate-limited ${account}: no new login (and no new OTP request) before ${new Date(event.retryAt).toISOString()}`,
      );
      return;
    case "fallback":
      events.emit({ type: "fallback", account, from: event.from, to: event.to, error: event.error, at });
      logger.warn(
        { ...errorFields(event), from: event.from, to: event.to },
        event.to === "token-request"
          ? `${event.from} login of ${account} cannot work now (${event.error.code}); falling back to the token request: approve it in the Upstox app`
          : `${event.from} login of ${account} cannot work now (${event.error.code}); falling back to ${event.to}`,
      );
      return;
    case "failed":
    case "suspended":
      events.emit({
        type: "refresh-failed",
        account,
        error: event.error,
        attempt: event.attempt,
        willRetry: false,
        at,
      });
      logger.error(
        { ...errorFields(event), reason: event.reason },
        event.type === "suspended"
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
