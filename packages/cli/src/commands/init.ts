import { type Command, Option } from "commander";
import type { ActionFactory } from "../action.js";
import { DEFAULT_ACCOUNT } from "../default-account.js";
import type { InitOptions } from "../init/init-inputs.js";
import { collect, parseAccount } from "../option-parsers.js";

export function registerInit(program: Command, action: ActionFactory): void {
  program
    .command("init")
    .description(
      "first-run setup: asks for the flow, credentials and sinks, writes .env (0600) and a daemon config, " +
        "rehearses against an emulator",
    )
    .option("-y, --yes", "ask nothing: take every value from flags, the environment or an existing .env")
    .addOption(
      new Option("--flow <flow>", "how to log in (default totp)").choices([
        "totp",
        "token-request",
        "browser",
      ]),
    )
    .option("--mobile <digits>", "registered mobile number, 10 digits without +91 (UPSTOX_USERNAME)")
    .option("--pin <pin>", "6-digit login PIN (UPSTOX_PIN_CODE; prefer the variable: flags show in `ps`)")
    .option("--totp-secret <secret>", "TOTP key, base32 or otpauth:// URI (UPSTOX_TOTP_SECRET)")
    .option("--client-id <key>", "your app's API key (UPSTOX_CLIENT_ID)")
    .option("--client-secret <secret>", "your app's API secret (UPSTOX_CLIENT_SECRET)")
    .option("--redirect-uri <url>", "your app's redirect URI, exactly as registered (UPSTOX_REDIRECT_URI)")
    .option(
      "--sink <spec>",
      "store tokens in (repeatable): env, env:<file>, sqlite[:<file>], redis[:<url>]",
      collect,
    )
    .option("--dir <folder>", "where to write .env and upstox-token.config.json (default: current folder)")
    .option("--account <name>", "the account name tokens are stored under", parseAccount, DEFAULT_ACCOUNT)
    .option("--rehearse", "rehearse against a local emulator without asking (the default)")
    .option("--no-rehearse", "skip the rehearsal")
    .option("--force", "replace an existing upstox-token.config.json that differs")
    .addHelpText(
      "after",
      "\nExit codes: 0 files written (and the rehearsal passed), 1 the rehearsal failed (files are written),\n" +
        "2 missing or invalid input, or cancelled. Without a terminal (or with --yes/--json) nothing is asked.",
    )
    .action(
      action<InitOptions>(async (ctx, options) => {
        const { runInit } = await import("../init/run-init.js");
        return runInit(ctx, options);
      }),
    );
}
