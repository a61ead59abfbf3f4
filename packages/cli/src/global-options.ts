import type { Command } from "commander";

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  envFile?: string | undefined;
  json: boolean;
  debug: boolean;
  showToken: boolean;
  color: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("--env-file <path>", "read variables from this .env file (default: ./.env when present)")
    .option("--json", "print one JSON object on stdout (machine interface)")
    .option("--debug", "log each HTTP request to stderr (method, redacted URL, status, time)")
    .option("--show-token", "print access tokens in full in human output (masked by default)")
    .option("--no-color", "never colour the output (NO_COLOR is honoured too)");
}

export function readGlobalOptions(command: Command): GlobalOptions {
  const o = command.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    envFile: o.envFile,
    json: o.json === true,
    debug: o.debug === true,
    showToken: o.showToken === true,
    color: o.color !== false,
  };
}
