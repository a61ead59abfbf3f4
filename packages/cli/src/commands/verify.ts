import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { addTokenSourceOptions, type TokenSourceOptions } from "../token-source.js";

export function registerVerify(program: Command, action: ActionFactory): void {
  addTokenSourceOptions(
    program
      .command("verify")
      .description("check that a token works (reads the profile): exit 0 when valid, 1 when not"),
  ).action(
    action<TokenSourceOptions>(async (ctx, options) => {
      const { getProfile, maskToken, toIstIso } = await ctx.core();
      const { resolveToken } = await import("../token-source.js");
      const { describeExpiry, profileJson } = await import("../token-view.js");
      const token = await resolveToken(ctx, options);
      const profile = await getProfile(await ctx.config(), token.accessToken, await ctx.flowDeps());
      const shown = ctx.options.showToken ? token.accessToken : maskToken(token.accessToken);
      if (ctx.out.json) {
        ctx.out.result({
          valid: true,
          access_token: shown,
          token_source: token.origin,
          ...profileJson(profile),
          expires_at: token.expiresAt === undefined ? null : toIstIso(token.expiresAt),
        });
      } else {
        const s = ctx.out.style;
        ctx.out.line(
          `${s.green("✓ valid")}: ${profile.userId}${profile.userName ? ` (${profile.userName})` : ""}`,
        );
        ctx.out.rows([
          ["Token", `${shown} ${s.dim(`from ${token.origin}`)}`],
          [
            "Expires",
            token.expiresAt === undefined ? "unknown" : describeExpiry(token.expiresAt, Date.now()),
          ],
        ]);
      }
      return undefined;
    }),
  );
}
