import { resolve } from "node:path";
import { readEnvironment } from "@upstox-token/core";
import { environmentWithoutBunDotenv } from "@upstox-token/core/internal";
import { Command, CommanderError, Option } from "commander";
import { defaultIo, EXIT_CONFIG, EXIT_OK, type MainIo } from "./commands/command-io.js";
import { type InstallServiceFlags, runInstallService } from "./commands/install-service.js";
import { type DaemonFlags, runDaemon } from "./commands/run-daemon.js";
import { DAEMON_VERSION } from "./version.js";

/** The daemon's command line: parses the arguments and dispatches to a command in commands/. Nothing else. */

export { EXIT_CONFIG, EXIT_FAILED, EXIT_OK, type MainIo } from "./commands/command-io.js";

/** pino's levels, in order; `--log-level` and UPSTOX_TOKEN_LOG_LEVEL take one. */
const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** The `upstox-token-daemon` command. Resolves with the exit code once the daemon has stopped. */
export async function runMain(argv: string[], io: MainIo = defaultIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name("upstox-token-daemon")
    .description(
      "Keeps Upstox access tokens fresh: logs in after the 03:30 IST expiry and writes every sink.",
    )
    .option(
      "-c, --config <path>",
      "config file (default: upstox-token.config.{ts,json,yaml,yml} in the working directory)",
    )
    .option(
      "--env-file <path>",
      "also read the variables the config refers to from this .env file (the real environment wins; re-read on SIGHUP)",
    )
    .option(
      "--once",
      "catch up (refresh every account without a valid token), then exit; non-zero if any failed",
    )
    .addOption(
      new Option(
        "--dry-run",
        "validate the config, check the sinks, print the next runs, run doctor's Upstox checks; log in nowhere",
      ).conflicts("once"),
    )
    .option("--offline", "with --dry-run: skip the Upstox checks (no network)")
    .option("--emulator", "log in to an in-process Upstox emulator instead of Upstox (rehearsal, demo)")
    .option("--pretty", "human-readable logs (default when stderr is a terminal)")
    .addOption(
      new Option("--log-level <level>", "how much to log (env UPSTOX_TOKEN_LOG_LEVEL)")
        .choices(LOG_LEVELS)
        .default("info"),
    )
    .version(DAEMON_VERSION, "-V, --version", "print the version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (flags: DaemonFlags, command: Command) => {
      const fromEnv = process.env.UPSTOX_TOKEN_LOG_LEVEL;
      if (command.getOptionValueSource("logLevel") === "default" && fromEnv !== undefined && fromEnv !== "") {
        if (!(LOG_LEVELS as readonly string[]).includes(fromEnv)) {
          io.stderr(
            `upstox-token-daemon: UPSTOX_TOKEN_LOG_LEVEL="${fromEnv}" is not a log level\nhint: use one of ${LOG_LEVELS.join(", ")}, or pass --log-level\n`,
          );
          exitCode = EXIT_CONFIG;
          return;
        }
        flags.logLevel = fromEnv;
      }
      // --dry-run reports on stdout, warnings included: its logs say only what went wrong, unless asked for more.
      if (flags.dryRun && command.getOptionValueSource("logLevel") === "default" && !fromEnv) {
        flags.logLevel = "error";
      }
      // UPSTOX_DEBUG=true (environment or --env-file), as in the CLI: every request is logged (redacted).
      if (command.getOptionValueSource("logLevel") === "default" && !fromEnv && !flags.dryRun) {
        let debug = process.env.UPSTOX_DEBUG;
        try {
          if (flags.envFile) {
            debug = readEnvironment(environmentWithoutBunDotenv(), resolve(flags.envFile)).UPSTOX_DEBUG;
          }
        } catch {
          // An unreadable --env-file is reported (exit 2) when the daemon starts.
        }
        if (/^(true|1|yes|on)$/i.test(debug?.trim() ?? "")) flags.logLevel = "debug";
      }
      exitCode = await runDaemon(flags, io);
    });

  program
    .command("install-service")
    .description("print (or --write) a systemd unit or a launchd plist that runs the daemon with this config")
    .option("-c, --config <path>", "config file (default: found in the working directory)")
    .option("--kind <kind>", "systemd-user, systemd-system or launchd (default: this platform's)")
    .option(
      "--user <name>",
      "systemd-system: the account the service runs as (default: you, or sudo's caller)",
    )
    .option("--env-file <path>", "a KEY=value file (mode 0600) with the secrets the config references")
    .option("--write", "write the file instead of printing it")
    .action(async (options: InstallServiceFlags) => {
      exitCode = await runInstallService(options, io);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_CONFIG;
    }
    throw error;
  }
  return exitCode;
}
