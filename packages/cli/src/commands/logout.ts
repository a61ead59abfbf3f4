import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { addTokenSourceOptions, type TokenSourceOptions } from "../token-source.js";

export function registerLogout(program: Command, action: ActionFactory): void {
  addTokenSourceOptions(
    program
      .command("logout")
      .description(
        "revoke a token at Upstox (an already invalid token is not an error); with --sink, mark it revoked there too",
      ),
  ).action(
    action<TokenSourceOptions>(async (ctx, options) => {
      const core = await ctx.core();
      if (options.token === undefined && options.sink && options.sink.length > 0) {
        return logoutFromSinks(ctx, options, core);
      }
      const { resolveToken } = await import("../token-source.js");
      const token = await resolveToken(ctx, options);
      const revoked = await core.logout(await ctx.config(), token.accessToken, await ctx.flowDeps());
      if (ctx.out.json) ctx.out.result({ revoked, token_source: token.origin });
      else if (revoked) ctx.out.line(`${ctx.out.style.green("✓")} logged out: the token is revoked`);
      else ctx.out.line("the token was already invalid (expired, revoked or unknown); nothing to revoke");
      return undefined;
    }),
  );
}

/**
 * Revokes the newest stored token at Upstox, then marks it revoked in every sink that holds it, so `status`,
 * the daemon and every consumer reading the sink stop trusting it before it would have expired.
 */
async function logoutFromSinks(
  ctx: Parameters<Parameters<ActionFactory>[0]>[0],
  options: TokenSourceOptions,
  core: typeof import("@upstox-token/core/internal"),
) {
  const { closeSinks, openSinks } = await import("../sink-setup.js");
  const logger = await ctx.logger();
  const sinks = await openSinks(options.sink ?? [], { cwd: ctx.io.cwd, logger });
  try {
    const readable = sinks.filter((s) => typeof s.read === "function");
    const record = readable.length > 0 ? await core.readNewest(readable, options.account, logger) : null;
    if (!record) {
      throw new CliError(
        "TOKEN_NOT_FOUND",
        `no token stored for account "${options.account}" in ${sinks.map((s) => s.name).join(", ")}`,
        "Nothing to log out; check --sink and --account.",
      );
    }
    const token = record.accessToken.reveal();
    const revoked = await core.logout(await ctx.config(), token, await ctx.flowDeps());
    const outcomes = await core.markRevokedInSinks(sinks, options.account, token, Date.now());
    const failed = outcomes.filter((o) => o.status === "failed");
    if (ctx.out.json) {
      ctx.out.result({
        revoked,
        token_source: readable.map((s) => s.name).join(", "),
        sinks: outcomes.map((o) => ({
          sink: o.sink,
          status: o.status,
          ...(o.error ? { error: o.error instanceof Error ? o.error.message : String(o.error) } : {}),
        })),
      });
    } else {
      ctx.out.line(
        revoked
          ? `${ctx.out.style.green("✓")} logged out: the token is revoked`
          : "the token was already invalid (expired, revoked or unknown) at Upstox",
      );
      for (const o of outcomes) {
        const what =
          o.status === "marked"
            ? "marked revoked"
            : o.status === "already-revoked"
              ? "already marked revoked"
              : o.status === "other-token"
                ? "holds another token; left alone"
                : o.status === "missing"
                  ? "holds no token"
                  : o.status === "unreadable"
                    ? "cannot be read back; not marked"
                    : `could not be marked: ${o.error instanceof Error ? o.error.message : String(o.error)}`;
        ctx.out.line(`  ${o.sink}: ${what}`);
      }
    }
    return failed.length > 0 ? ExitCode.Failure : undefined;
  } finally {
    await closeSinks(sinks);
  }
}
