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
      core.requireCredentials(config, ["clientId", "clientSecret"], "the access-token request");
      const json: Record<string, unknown> = {};
      const expectedUserId =
        options.userId ??
        core.expectedDeliveryUser(
          config.ucc,
          core.userStateFor(core.defaultStateDir(await ctx.environment()), config),
        );
      const { describeExpiry } = await import("../token-view.js");
      return deliverToken(
        ctx,
        options,
        () =>
          core
            .loginWithTokenRequest(
              config,
              {
                port: listen.port,
                host: listen.host,
                path: listen.path,
                timeoutMs: options.timeout,
                // --user-id, else UPSTOX_UCC, else the user learnt from this account's first verified login.
                ...(expectedUserId ? { notifier: { expectedUserId } } : {}),
                onRequested: (request) => {
                  json.authorization_expiry = core.toIstIso(request.authorizationExpiry);
                  json.notifier_url = request.notifierUrl;
                  ctx.out.note(
                    `Token request sent; approve it in the Upstox app before ${describeExpiry(request.authorizationExpiry, Date.now())}.`,
                  );
                  ctx.out.note(
                    `Waiting for the token on ${request.listeningOn} (Upstox posts to ${request.notifierUrl}).`,
                  );
                },
              },
              deps,
            )
            .catch((error: unknown) => {
              // A port that cannot be listened on is a --listen problem: name the flag.
              if (error instanceof core.ConfigError && error.field === core.NOTIFIER_PORT_FIELD) {
                throw new core.ConfigError(`--listen: ${error.message}`, {
                  field: "--listen",
                  cause: error,
                  hint: "Pick a free port (or stop the program using it).",
                });
              }
              throw error;
            }),
        { json },
      );
    }),
  );
}
