import type { TokenSink } from "@upstox-token/core";
import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { CliError } from "../cli-error.js";
import { DEFAULT_ACCOUNT } from "../default-account.js";
import { ExitCode } from "../exit-codes.js";
import { collect, collectAccounts } from "../option-parsers.js";

interface StatusOptions {
  sink?: string[];
  account?: string[];
  verify?: boolean;
}

type StoredState = "valid" | "expired" | "revoked" | "refused" | "missing" | "unreadable" | "error";

export function registerStatus(program: Command, action: ActionFactory): void {
  program
    .command("status")
    .description(
      "show, per account and sink, the stored token and its expiry; exit 1 if any is missing, expired or revoked",
    )
    .option(
      "--sink <spec>",
      "a sink to read (repeatable): env, env:<file>, sqlite:<file>, redis:<url>; default: the accounts and sinks of upstox-token.config.json in this folder",
      collect,
    )
    .option(
      "--account <name>",
      `an account to show (repeatable; without a sink given, every account of the folder's config; default: ${DEFAULT_ACCOUNT})`,
      collectAccounts,
    )
    .option(
      "--verify",
      "also ask Upstox (profile endpoint) whether each stored token still works; exit 1 if any is refused",
    )
    .action(
      action<StatusOptions>(async (ctx, options) => {
        const { isRecordUsable, maskToken, toIstIso } = await ctx.core();
        const { closeSinks, openSinkSpecs, openSinks } = await import("../sink-setup.js");
        const { readFolderConfig, refreshCommand, sinkShorthand } = await import("../folder-config.js");
        const { describeExpiry } = await import("../token-view.js");
        const { formatLocal } = await import("../time-format.js");
        const logger = await ctx.logger();
        /** Which sinks to read for which account, and the command that makes a new token for it. */
        let plan: { account: string; sinks: TokenSink[]; fix: string }[];
        let opened: TokenSink[] = [];
        if (options.sink && options.sink.length > 0) {
          opened = await openSinks(options.sink, { cwd: ctx.io.cwd, logger });
          plan = (options.account ?? [DEFAULT_ACCOUNT]).map((account) => ({
            account,
            sinks: opened,
            fix: refreshCommand(account, "totp", options.sink ?? []),
          }));
        } else {
          // No --sink: the daemon's config in this folder names the accounts and their sinks.
          const config = readFolderConfig(ctx.io.cwd, await ctx.environment());
          if (!config) {
            throw new CliError(
              "USAGE",
              "status needs at least one --sink, or an upstox-token.config.json in this folder",
              "e.g. upstox-token status --sink env --sink sqlite:tokens.db (or run it in the daemon's folder)",
            );
          }
          const wanted = config.accounts.filter((a) => !options.account || options.account.includes(a.name));
          const unknown = (options.account ?? []).filter((a) => !config.accounts.some((c) => c.name === a));
          if (unknown.length > 0) {
            throw new CliError(
              "USAGE",
              `${config.file} has no account ${unknown.map((a) => `"${a}"`).join(", ")}`,
              `Its accounts: ${config.accounts.map((a) => a.name).join(", ") || "none"}.`,
            );
          }
          plan = [];
          for (const account of wanted) {
            const sinks = await openSinkSpecs(account.sinks, {
              baseDir: config.baseDir,
              file: config.file,
              logger,
            });
            opened.push(...sinks);
            const shorthands = account.sinks.map((s) => sinkShorthand(s.spec)).filter((s) => s !== undefined);
            plan.push({
              account: account.name,
              sinks,
              fix: `upstox-token-daemon --once (or ${refreshCommand(account.name, account.flow, shorthands)})`,
            });
          }
        }
        const now = Date.now();
        const entries: Record<string, unknown>[] = [];
        /** Tokens to check with Upstox (--verify), with the entries showing them. */
        const toVerify = new Map<string, Record<string, unknown>[]>();
        let allValid = true;
        try {
          for (const { account, sinks, fix } of plan) {
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
                    // Whose token it holds instead (e.g. `default`, the CLI's name before `main`).
                    const others = (await sink.accounts?.())?.filter((a) => a !== account) ?? [];
                    if (others.length > 0) entry.other_accounts = others;
                  } else {
                    state =
                      record.revokedAt !== undefined
                        ? "revoked"
                        : isRecordUsable(record, now)
                          ? "valid"
                          : "expired";
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
                      ...(record.revokedAt === undefined ? {} : { revoked_at: toIstIso(record.revokedAt) }),
                    };
                    if (state === "valid" && options.verify) {
                      const showing = toVerify.get(token) ?? [];
                      showing.push(entry);
                      toVerify.set(token, showing);
                    }
                  }
                } catch (error) {
                  state = "error";
                  entry.error = error instanceof Error ? error.message : String(error);
                }
              }
              entry.state = state;
              if (state === "revoked" || state === "expired" || state === "missing") entry.fix = fix;
              entries.push(entry);
            }
          }
        } finally {
          await closeSinks(opened);
        }
        if (toVerify.size > 0) {
          const { verifyTokens } = await import("../verify-tokens.js");
          const verdicts = await verifyTokens([...toVerify.keys()], await ctx.config(), await ctx.flowDeps());
          for (const [token, verdict] of verdicts) {
            for (const entry of toVerify.get(token) ?? []) {
              entry.verified = verdict.ok;
              if (!verdict.ok) {
                entry.state = verdict.refused ? "refused" : "error";
                entry.error = verdict.message;
                if (verdict.refused) {
                  entry.fix = plan.find((p) => p.account === entry.account)?.fix;
                }
              }
            }
          }
        }
        for (const entry of entries) {
          if (entry.state !== "valid" && entry.state !== "unreadable") allValid = false;
        }

        if (ctx.out.json) {
          ctx.out.result({ ok: allValid, entries });
        } else {
          const s = ctx.out.style;
          for (const e of entries) {
            const state = e.state as StoredState;
            const label =
              state === "valid"
                ? s.green(e.verified ? "valid (checked with Upstox)" : "valid")
                : state === "expired" || state === "revoked" || state === "refused"
                  ? s.red(state === "refused" ? "refused by Upstox" : state)
                  : s.yellow(state);
            ctx.out.line(`${s.bold(String(e.account))} @ ${e.sink}: ${label}`);
            if (e.expires_at) {
              ctx.out.rows([
                ["  token", String(e.access_token)],
                ...(e.user_id ? [["  user", String(e.user_id)] as [string, string]] : []),
                ["  expires", describeExpiry(Date.parse(String(e.expires_at)), now)],
                ...(e.revoked_at ? [["  revoked", String(e.revoked_at)] as [string, string]] : []),
                ...(e.error ? [["  error", String(e.error)] as [string, string]] : []),
                ...(e.fix ? [["  fix", `run ${String(e.fix)}`] as [string, string]] : []),
              ]);
            } else if (state === "unreadable") {
              ctx.out.line(`  ${s.dim("this sink cannot read tokens back")}`);
            } else if (state === "error") {
              ctx.out.line(`  ${s.red(String(e.error))}`);
            } else if (Array.isArray(e.other_accounts)) {
              const others = e.other_accounts as string[];
              ctx.out.line(
                `  no token for "${e.account}"; it holds ${others.map((a) => `"${a}"`).join(", ")}'s: ask with ${others.map((a) => `--account ${a}`).join(" or ")}`,
              );
            } else {
              ctx.out.line(`  ${s.dim("no token stored")}${e.fix ? `; run ${String(e.fix)}` : ""}`);
            }
          }
        }
        return allValid ? ExitCode.Ok : ExitCode.Failure;
      }),
    );
}
