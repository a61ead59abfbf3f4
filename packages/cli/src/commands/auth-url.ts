import type { Command } from "commander";
import type { ActionFactory } from "../action.js";

interface AuthUrlOptions {
  state?: string;
}

export function registerAuthUrl(program: Command, action: ActionFactory): void {
  program
    .command("auth-url")
    .description("print the authorization (login dialog) URL for UPSTOX_CLIENT_ID and UPSTOX_REDIRECT_URI")
    .option("--state <state>", "an opaque value Upstox returns on the redirect (check it there)")
    .action(
      action<AuthUrlOptions>(async (ctx, options) => {
        const { authorizationUrl } = await ctx.core();
        const url = authorizationUrl(
          await ctx.config(),
          options.state === undefined ? {} : { state: options.state },
        );
        if (ctx.out.json)
          ctx.out.result({ url, ...(options.state === undefined ? {} : { state: options.state }) });
        else ctx.out.line(url);
        return undefined;
      }),
    );
}
