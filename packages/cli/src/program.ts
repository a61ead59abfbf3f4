import { Command } from "commander";
import type { ActionFactory } from "./action.js";
import { registerAuthUrl } from "./commands/auth-url.js";
import { registerCheckEnv } from "./commands/check-env.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerExchange } from "./commands/exchange.js";
import { registerGenerateToken } from "./commands/generate-token.js";
import { registerInit } from "./commands/init.js";
import { registerLogin } from "./commands/login.js";
import { registerLogout } from "./commands/logout.js";
import { registerProfile } from "./commands/profile.js";
import { registerRequestToken } from "./commands/request-token.js";
import { registerStatus } from "./commands/status.js";
import { registerTotp } from "./commands/totp.js";
import { registerVerify } from "./commands/verify.js";
import { addGlobalOptions } from "./global-options.js";
import type { CliIo } from "./io.js";
import { CLI_VERSION } from "./version.js";

/** The command tree. Only commander and these definitions load at start-up; each action imports what it needs. */
export function buildProgram(io: CliIo, action: ActionFactory): Command {
  const program = new Command("upstox-token")
    .description("Keep Upstox API access tokens fresh: log in headlessly, verify, and store tokens in sinks.")
    .version(CLI_VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Without these commander asks process.stdout, which is slow to create under Bun.
      getOutHelpWidth: () => io.columns ?? 80,
      getErrHelpWidth: () => io.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      outputError: (text, write) => write(text.replace(/^error: /, "error [USAGE]: ")),
    })
    .exitOverride();
  addGlobalOptions(program);
  program.addHelpText(
    "after",
    "\nExit codes: 0 success, 1 auth/API/network/sink failure, 2 usage or configuration error.\n" +
      "Variables: see `upstox-token check-env`. Docs: the README of @upstox-token/cli.",
  );

  for (const register of [
    registerInit,
    registerCheckEnv,
    registerGenerateToken,
    registerLogin,
    registerAuthUrl,
    registerExchange,
    registerRequestToken,
    registerVerify,
    registerProfile,
    registerLogout,
    registerTotp,
    registerStatus,
    registerDoctor,
  ]) {
    register(program, action);
  }
  // Subcommands copy these settings when created with .command(); set them again for safety on each.
  for (const command of program.commands) command.exitOverride();
  return program;
}
