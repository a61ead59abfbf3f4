import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { CliError } from "../cli-error.js";
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
      const code = (args[0] ?? "").trim();
      // Checked before anything is sent: Upstox would spend a request (and the user a code) on an empty one.
      if (code === "") {
        throw new CliError(
          "USAGE",
          "the authorization code is empty",
          "Pass the code= value of the URL Upstox redirected to (upstox-token auth-url prints the login URL), e.g. upstox-token exchange 'Ab12Cd'.",
        );
      }
      const { exchangeCode } = await ctx.core();
      const { deliverToken } = await import("../deliver-token.js");
      const config = await ctx.config();
      const deps = await ctx.flowDeps();
      return deliverToken(ctx, options, () => exchangeCode(config, code, deps));
    }),
  );
}
