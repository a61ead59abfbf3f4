import {
  AccountRefresher,
  type BackoffPolicy,
  checkSinks,
  describeLockWait,
  FileLock,
  type RefreshEvent,
  type SinkOutcome,
  type TokenRecord,
  type UpstoxToken,
  UpstoxTokenError,
} from "@upstox-token/core/internal";
import type { CommandContext } from "./context.js";
import { earlyMorningNote } from "./early-morning-note.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { closeSinks, openSinks } from "./sink-setup.js";
import { formatIst } from "./time-format.js";
import { printSinkOutcomes, printToken, sinkOutcomesJson, tokenJson } from "./token-view.js";

export interface DeliverOptions {
  sink?: string[] | undefined;
  account: string;
}

export interface DeliverExtras {
  /** More fields for the JSON result (e.g. the token request's authorization_expiry). */
  json?: Record<string, unknown>;
  /**
   * Login attempts (transient faults back off between them). Default 1: a browser login, a code exchange or a
   * token request must not be repeated behind the user's back; the headless login passes more.
   */
  retry?: BackoffPolicy;
  /**
   * The profile call for a token just obtained: a token Upstox refuses is stored nowhere (TOKEN_REJECTED).
   * Every token is also checked to be a JWT whose exp is in the future (TOKEN_MALFORMED otherwise).
   */
  verify?: (record: TokenRecord) => Promise<void>;
  /**
   * "totp" for the headless login: a PIN Upstox refused before, or a rate limit another process learnt, stops
   * it before any request. Every flow's token teaches the user's identity (state folder).
   */
  flow?: string;
}

/**
 * The common end of every command that obtains a token (generate-token, login, exchange, request-token):
 * checks the sinks first (a bad path fails before a login is spent), then runs core's refresh engine for one
 * cycle: the account's file lock (shared with the daemon, so a manual login racing the 03:35 run waits for
 * it and takes its token), the login with the engine's retry rules, every sink written. Then prints it.
 * In --json output the token is printed in full: that output exists to hand the token to another program.
 */
export async function deliverToken(
  ctx: CommandContext,
  options: DeliverOptions,
  obtain: () => Promise<UpstoxToken>,
  extras: DeliverExtras = {},
): Promise<ExitCodeValue> {
  const logger = await ctx.logger();
  const sinks = await openSinks(options.sink ?? [], { cwd: ctx.io.cwd, logger });
  const { defaultLockDir, defaultStateDir, guardFlowLogin, recordManualStore, userStateFor } =
    await ctx.core();
  const lock = new FileLock({ dir: defaultLockDir(await ctx.baseEnv()), logger });
  try {
    await checkSinks(
      sinks,
      "Fix the sink target (path, permissions, server) and run again; no login was made.",
    );
    const config = await ctx.config();
    // What every process of this Upstox user shares (a refused PIN, a rate limit, its identity), and its lock.
    const stateDir = defaultStateDir(await ctx.environment());
    const user = userStateFor(stateDir, config, logger);
    const refresher = new AccountRefresher({
      account: options.account,
      sinks,
      lock,
      lockKey: user.key,
      login: guardFlowLogin(extras.flow ?? "other", () => obtain(), config.pin?.reveal(), {
        state: user,
        account: options.account,
        logger,
      }),
      retry: extras.retry ?? { attempts: 1, baseMs: 0, maxMs: 0 },
      acceptNewTokens: true,
      ...(extras.verify ? { verifyToken: extras.verify } : {}),
      // A login was spent: print its token even when no sink could store it (and exit 1 saying so).
      requireStored: false,
      logger,
      onEvent: (event) => renderEvent(ctx, event),
    });
    const outcome = await refresher.refresh({ mode: "force" });
    refresher.close();
    if (outcome.result === "aborted") throw new UpstoxTokenError("LOGIN_ABORTED", "the login was cancelled");
    if (outcome.result === "failed" || outcome.result === "rate-limited") throw outcome.error;
    const token: TokenRecord = outcome.record;
    const outcomes: SinkOutcome[] = outcome.result === "refreshed" ? outcome.sinks : [];
    const fromOther = outcome.result === "refreshed" && !outcome.loggedIn;

    const failed = outcomes.filter((o) => !o.ok);
    // A token this command logged in for and stored: the state folder's last refresh says so (cause "manual"),
    // so the daemon's status page names it. Another process's token keeps that process's record.
    if (outcome.result === "refreshed" && outcome.loggedIn && failed.length < outcomes.length) {
      try {
        await recordManualStore(stateDir, user.key, {
          account: options.account,
          record: token,
          attempts: outcome.attempts,
          sinks: outcomes,
          command: `upstox-token ${ctx.commandName}`.trim(),
          now: Date.now(),
        });
      } catch (error) {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "could not save the last refresh in the state folder (the token is stored)",
        );
      }
    }
    if (ctx.out.json) {
      ctx.out.result({
        ...tokenJson(token, { reveal: true }),
        account: options.account,
        ...extras.json,
        ...(sinks.length > 0 ? { sinks: sinkOutcomesJson(outcomes) } : {}),
        ...(fromOther ? { logged_in_by: "another process" } : {}),
      });
    } else {
      ctx.out.line(
        ctx.out.style.green(
          fromOther
            ? "Another process (the daemon?) logged in while this one waited for the lock: its token, no second login."
            : "Access token generated.",
        ),
      );
      printToken(ctx.out, token, { showToken: ctx.options.showToken, now: Date.now() });
      const early = earlyMorningNote(token.expiresAt, Date.now());
      if (early) ctx.out.line(ctx.out.style.dim(early));
      if (outcomes.length > 0) {
        ctx.out.line();
        printSinkOutcomes(ctx.out, outcomes);
      }
    }
    if (failed.length > 0) {
      const names = failed.map((o) => o.sink).join(", ");
      const first = failed[0]!;
      ctx.out.error({
        code: "SINK_FAILED",
        message: `the token was not stored in ${names}`,
        hint: first.ok
          ? undefined
          : (first.error.hint ?? "See the sink's error above; the token still reached the other sinks."),
        exitCode: ExitCode.Failure,
      });
      return ExitCode.Failure;
    }
    return ExitCode.Ok;
  } finally {
    await Promise.allSettled([closeSinks(sinks), lock.close()]);
  }
}

/** The engine's progress, for the person at the terminal (stderr). */
function renderEvent(ctx: CommandContext, event: RefreshEvent): void {
  switch (event.type) {
    case "waiting-for-lock":
      ctx.out.note(`${describeLockWait(event)}…`);
      return;
    case "retrying":
      ctx.out.note(
        `${event.error.code}: ${event.error.message}; retrying in ${Math.ceil(event.delayMs / 1000)} s`,
      );
      return;
    case "rate-limited":
      ctx.out.note(`Upstox asks for a pause: no new login before ${formatIst(event.retryAt)} (not waiting).`);
      return;
    default:
      return;
  }
}
