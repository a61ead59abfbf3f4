import {
  isUpstoxTokenError,
  SinkError,
  TokenManager,
  type TokenRecord,
  type TokenSink,
  type UpstoxToken,
} from "@upstox-token/core";
import type { CommandContext } from "./context.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { closeSinks, openSinks } from "./sink-setup.js";
import { printSinkOutcomes, printToken, sinkOutcomesJson, tokenJson } from "./token-view.js";

export interface DeliverOptions {
  sink?: string[] | undefined;
  account: string;
}

export interface DeliverExtras {
  /** More fields for the JSON result (e.g. the token request's authorization_expiry). */
  json?: Record<string, unknown>;
}

/**
 * The common end of every command that obtains a token (generate-token, login, exchange, request-token):
 * checks the sinks first (a bad path fails before a login is spent), gets the token through
 * TokenManager.refresh({ force: true }) so it reaches every sink with the manager's retries, then prints it.
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
  try {
    await Promise.all(sinks.map(checkSink));
    let token: UpstoxToken | TokenRecord;
    let outcomes: Awaited<ReturnType<TokenManager["refresh"]>>["sinks"] = [];
    if (sinks.length === 0) {
      token = await obtain();
    } else {
      const manager = new TokenManager({ sinks, login: obtain, logger });
      const result = await manager.refresh(options.account, { force: true });
      token = result.record;
      outcomes = result.sinks;
    }

    const failed = outcomes.filter((o) => !o.ok);
    if (ctx.out.json) {
      ctx.out.result({
        ...tokenJson(token, { reveal: true }),
        account: options.account,
        ...extras.json,
        ...(sinks.length > 0 ? { sinks: sinkOutcomesJson(outcomes) } : {}),
      });
    } else {
      ctx.out.line(ctx.out.style.green("Access token generated."));
      printToken(ctx.out, token, { showToken: ctx.options.showToken, now: Date.now() });
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
    await closeSinks(sinks);
  }
}

/** The start-up write check; a bad target fails here, before a login is spent. */
async function checkSink(sink: TokenSink): Promise<void> {
  try {
    await sink.check();
  } catch (error) {
    if (isUpstoxTokenError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SinkError("SINK_CHECK_FAILED", sink.name, `${sink.name} is not writable: ${message}`, {
      cause: error,
      hint: "Fix the sink target (path, permissions, server) and run again; no login was made.",
    });
  }
}
