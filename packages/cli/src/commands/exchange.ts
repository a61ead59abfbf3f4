import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import type { DeliverOptions } from "../deliver-token.js";
import { addDeliveryOptions } from "../sink-options.js";

export function registerExchange(program: Command, action: ActionFactory): void {
  addDeliveryOptions(
    program
      .command("exchange")
      .description("exchange an authorization code (from the redirect's ?code=) for an access token, once")
      .argument("<code>", "the authorization code; single-use, even when the exchange fails"),
  ).action(
    action<DeliverOptions>(async (ctx, options, args) => {
      const { exchangeCode } = await ctx.core();
      const { deliverToken } = await import("../deliver-token.js");
      const config = await ctx.config();
      const deps = await ctx.flowDeps();
      const code = args[0] ?? "";
      return deliverToken(ctx, options, () => exchangeCode(config, code, deps));
    }),
  );
}
