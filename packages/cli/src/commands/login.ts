import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import type { DeliverOptions } from "../deliver-token.js";
import { durationOption } from "../option-parsers.js";
import { addDeliveryOptions } from "../sink-options.js";

interface LoginOptions extends DeliverOptions {
  open: boolean;
  timeout: number;
}

export function registerLogin(program: Command, action: ActionFactory): void {
  addDeliveryOptions(
    program
      .command("login")
      .description(
        "log in through the browser: listens on UPSTOX_REDIRECT_URI (http://127.0.0.1:PORT/path), prints the login URL and opens it",
      )
      .option("--no-open", "only print the URL; do not start a browser")
      .addOption(
        durationOption("--timeout <duration>", "how long to wait for the browser (e.g. 90s, 5m)", 5 * 60_000),
      ),
  ).action(
    action<LoginOptions>(async (ctx, options) => {
      const { loginWithBrowser } = await ctx.core();
      const { deliverToken } = await import("../deliver-token.js");
      const { openBrowser } = await import("../browser-open.js");
      const config = await ctx.config();
      const deps = await ctx.flowDeps();
      return deliverToken(ctx, options, () =>
        loginWithBrowser(config, {
          ...deps,
          timeoutMs: options.timeout,
          onUrl: (url) => {
            ctx.out.note(
              `Open this URL to log in to Upstox (waiting up to ${Math.round(options.timeout / 1000)}s):`,
            );
            ctx.out.note(`  ${url}`);
          },
          ...(options.open ? { open: openBrowser } : {}),
        }),
      );
    }),
  );
}
