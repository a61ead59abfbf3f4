import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import type { DeliverOptions } from "../deliver-token.js";
import { durationOption, type ListenAddress, parseListenAddress } from "../option-parsers.js";
import { addDeliveryOptions } from "../sink-options.js";

interface RequestTokenOptions extends DeliverOptions {
  listen?: ListenAddress;
  timeout: number;
  userId?: string;
}

export function registerRequestToken(program: Command, action: ActionFactory): void {
  addDeliveryOptions(
    program
      .command("request-token")
      .description(
        "ask Upstox (v3) to send the user an approval request; with --listen, wait for the token on the notifier webhook",
      )
      .option(
        "--listen <host:port/path>",
        "serve the app's notifier webhook here and wait for the token (e.g. 127.0.0.1:8977/upstox/notifier)",
        parseListenAddress,
      )
      .option(
        "--user-id <UCC>",
        "with --listen: accept only a token of this Upstox user (the delivery is always checked with Upstox)",
      )
      .addOption(
        durationOption(
          "--timeout <duration>",
          "how long to wait for the approval with --listen (e.g. 10m)",
          15 * 60_000,
        ),
      ),
  ).action(
    action<RequestTokenOptions>(async (ctx, options) => {
      const core = await ctx.core();
      const config = await ctx.config();
      const deps = await ctx.flowDeps();
      const listen = options.listen;

      if (!listen) {
        const request = await core.requestAccessToken(config, deps);
        const expiry = core.toIstIso(request.authorizationExpiry);
        if (ctx.out.json) {
          ctx.out.result({ authorization_expiry: expiry, notifier_url: request.notifierUrl });
        } else {
          const { describeExpiry } = await import("../token-view.js");
          ctx.out.line("Token request sent: approve it in the Upstox app, on the web or on WhatsApp.");
          ctx.out.rows([
            ["Approve before", describeExpiry(request.authorizationExpiry, Date.now())],
            ["Token goes to", request.notifierUrl],
          ]);
        }
        return undefined;
      }

      const { deliverToken } = await import("../deliver-token.js");
      const { clientId } = core.requireCredentials(
        config,
        ["clientId", "clientSecret"],
        "the access-token request",
      );
      const json: Record<string, unknown> = {};
      return deliverToken(
        ctx,
        options,
        async () => {
          const controller = new AbortController();
          let onListening: (url: string) => void = () => {};
          const listening = new Promise<string>((resolve) => {
            onListening = resolve;
          });
          const delivered = core
            .serveNotifier({
              port: listen.port,
              host: listen.host,
              path: listen.path,
              clientId,
              config,
              expectedUserId: options.userId,
              flowDeps: deps,
              logger: deps.logger,
              timeoutMs: options.timeout,
              signal: controller.signal,
              onListening: (url) => onListening(url),
            })
            .catch((error: unknown) => {
              if (core.isUpstoxTokenError(error)) throw error;
              throw new core.ConfigError(
                `--listen: cannot listen on ${listen.host}:${listen.port}: ${error instanceof Error ? error.message : String(error)}`,
                { field: "--listen", cause: error, hint: "Pick a free port (or stop the program using it)." },
              );
            });
          // Listen first, so a quick approval cannot arrive before the webhook is up.
          const url = await Promise.race([listening, delivered.then(() => "")]);
          try {
            const request = await core.requestAccessToken(config, deps);
            json.authorization_expiry = core.toIstIso(request.authorizationExpiry);
            json.notifier_url = request.notifierUrl;
            const { describeExpiry } = await import("../token-view.js");
            ctx.out.note(
              `Token request sent; approve it in the Upstox app before ${describeExpiry(request.authorizationExpiry, Date.now())}.`,
            );
            ctx.out.note(`Waiting for the token on ${url} (Upstox posts to ${request.notifierUrl}).`);
          } catch (error) {
            controller.abort();
            delivered.catch(() => {});
            throw error;
          }
          return delivered;
        },
        { json },
      );
    }),
  );
}
