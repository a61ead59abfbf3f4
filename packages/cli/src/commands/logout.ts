import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { addTokenSourceOptions, type TokenSourceOptions } from "../token-source.js";

export function registerLogout(program: Command, action: ActionFactory): void {
  addTokenSourceOptions(
    program
      .command("logout")
      .description("revoke a token at Upstox (an already invalid token is not an error)"),
  ).action(
    action<TokenSourceOptions>(async (ctx, options) => {
      const { logout } = await ctx.core();
      const { resolveToken } = await import("../token-source.js");
      const token = await resolveToken(ctx, options);
      const revoked = await logout(await ctx.config(), token.accessToken, await ctx.flowDeps());
      if (ctx.out.json) ctx.out.result({ revoked, token_source: token.origin });
      else if (revoked) ctx.out.line(`${ctx.out.style.green("✓")} logged out: the token is revoked`);
      else ctx.out.line("the token was already invalid (expired, revoked or unknown); nothing to revoke");
      return undefined;
    }),
  );
}
