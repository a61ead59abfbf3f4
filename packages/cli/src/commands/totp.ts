import type { Command } from "commander";
import type { ActionFactory } from "../action.js";

export function registerTotp(program: Command, action: ActionFactory): void {
  program
    .command("totp")
    .description("print the current TOTP code from UPSTOX_TOTP_SECRET and the seconds it stays valid")
    .action(
      action<Record<string, never>>(async (ctx) => {
        const { requireCredentials, totpNow } = await ctx.core();
        const config = requireCredentials(await ctx.config(), ["totpSecret"], "the TOTP code");
        const now = Date.now();
        const { code, secondsLeft } = totpNow(config.totpSecret, now);
        if (ctx.out.json) {
          ctx.out.result({ code, seconds_left: secondsLeft, period: 30 });
        } else {
          const s = ctx.out.style;
          ctx.out.line(`${s.bold(code)}  ${s.dim(`valid for ${secondsLeft}s more`)}`);
        }
        return undefined;
      }),
    );
}
