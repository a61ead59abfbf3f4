import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { collect, collectAccounts } from "../option-parsers.js";

interface StatusOptions {
  sink?: string[];
  account?: string[];
}

type StoredState = "valid" | "expired" | "missing" | "unreadable" | "error";

export function registerStatus(program: Command, action: ActionFactory): void {
  program
    .command("status")
    .description("show, per account and sink, the stored token and its expiry; exit 1 unless all are valid")
    .option(
      "--sink <spec>",
      "a sink to read (repeatable): env, env:<file>, sqlite:<file>, redis:<url>",
      collect,
    )
    .option("--account <name>", "an account to show (repeatable; default: default)", collectAccounts)
    .action(
      action<StatusOptions>(async (ctx, options) => {
        if (!options.sink || options.sink.length === 0) {
          throw new CliError(
            "USAGE",
            "status needs at least one --sink",
            "e.g. upstox-token status --sink env --sink sqlite:tokens.db",
          );
        }
        const { isTokenValid, maskToken, toIstIso } = await ctx.core();
        const { closeSinks, openSinks } = await import("../sink-setup.js");
        const { describeExpiry } = await import("../token-view.js");
        const { formatLocal } = await import("../time-format.js");
        const accounts = options.account ?? ["default"];
        const sinks = await openSinks(options.sink, { cwd: ctx.io.cwd, logger: await ctx.logger() });
        const now = Date.now();
        const entries: Record<string, unknown>[] = [];
        let allValid = true;
        try {
          for (const account of accounts) {
            for (const sink of sinks) {
              let state: StoredState;
              let entry: Record<string, unknown> = { account, sink: sink.name };
              if (!sink.read) {
                state = "unreadable";
              } else {
                try {
                  const record = await sink.read(account);
                  if (!record) {
                    state = "missing";
                  } else {
                    state = isTokenValid(record, now) ? "valid" : "expired";
                    const token = record.accessToken.reveal();
                    entry = {
                      ...entry,
                      access_token: ctx.options.showToken ? token : maskToken(token),
                      user_id: record.profile.userId,
                      generation: record.generation,
                      issued_at: toIstIso(record.issuedAt),
                      expires_at: toIstIso(record.expiresAt),
                      expires_at_local: formatLocal(record.expiresAt),
                      expires_in_seconds: Math.round((record.expiresAt - now) / 1000),
                    };
                  }
                } catch (error) {
                  state = "error";
                  entry.error = error instanceof Error ? error.message : String(error);
                }
              }
              if (state !== "valid" && state !== "unreadable") allValid = false;
              entries.push({ ...entry, state });
            }
          }
        } finally {
          await closeSinks(sinks);
        }

        if (ctx.out.json) {
          ctx.out.result({ ok: allValid, entries });
        } else {
          const s = ctx.out.style;
          for (const e of entries) {
            const state = e.state as StoredState;
            const label =
              state === "valid" ? s.green("valid") : state === "expired" ? s.red("expired") : s.yellow(state);
            ctx.out.line(`${s.bold(String(e.account))} @ ${e.sink}: ${label}`);
            if (e.expires_at) {
              ctx.out.rows([
                ["  token", String(e.access_token)],
                ...(e.user_id ? [["  user", String(e.user_id)] as [string, string]] : []),
                ["  expires", describeExpiry(Date.parse(String(e.expires_at)), now)],
              ]);
            } else if (state === "unreadable") {
              ctx.out.line(`  ${s.dim("this sink cannot read tokens back")}`);
            } else if (state === "error") {
              ctx.out.line(`  ${s.red(String(e.error))}`);
            } else {
              ctx.out.line(`  ${s.dim("no token stored")}`);
            }
          }
        }
        return allValid ? ExitCode.Ok : ExitCode.Failure;
      }),
    );
}
