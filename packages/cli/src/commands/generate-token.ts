import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import type { DeliverOptions } from "../deliver-token.js";
import { addDeliveryOptions } from "../sink-options.js";

export function registerGenerateToken(program: Command, action: ActionFactory): void {
  addDeliveryOptions(
    program
      .command("generate-token")
      .description("log in headlessly (mobile, TOTP, PIN) and print a new access token; --sink stores it"),
  ).action(
    action<DeliverOptions>(async (ctx, options) => {
      const { loginWithTotp, getProfile } = await ctx.core();
      const { deliverToken } = await import("../deliver-token.js");
      const config = await ctx.config();
      const deps = await ctx.flowDeps();
      // One attempt (the person at the keyboard decides on another); a rejected TOTP is retried by the flow
      // itself, in the next window of the same OTP session.
      // Ctrl-C says whether the PIN reached Upstox (a second login after a sent PIN may count as a failure).
      const { withPinInterruptNote } = await import("../pin-interrupt.js");
      return withPinInterruptNote(ctx.out, (onPinState) =>
        deliverToken(ctx, options, () => loginWithTotp(config, { ...deps, onPinStep: onPinState }), {
          flow: "totp",
          verify: async (record) => {
            await getProfile(config, record.accessToken, deps);
          },
        }),
      );
    }),
  );
}
