import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { addTokenSourceOptions, type TokenSourceOptions } from "../token-source.js";

export function registerProfile(program: Command, action: ActionFactory): void {
  addTokenSourceOptions(
    program.command("profile").description("print the Upstox profile of the token's user"),
  ).action(
    action<TokenSourceOptions>(async (ctx, options) => {
      const { getProfile } = await ctx.core();
      const { resolveToken } = await import("../token-source.js");
      const { profileJson, profileRows } = await import("../token-view.js");
      const token = await resolveToken(ctx, options);
      const profile = await getProfile(await ctx.config(), token.accessToken, await ctx.flowDeps());
      if (ctx.out.json) ctx.out.result(profileJson(profile));
      else ctx.out.rows(profileRows(profile));
      return undefined;
    }),
  );
}
