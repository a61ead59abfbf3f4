import type { Command } from "commander";
import { DEFAULT_ACCOUNT } from "./default-account.js";
import { collect, parseAccount } from "./option-parsers.js";

export const SINK_OPTION_HELP =
  "write the token to a sink (repeatable): env, env:<file>, sqlite:<file>, redis:<url>, or a module path";

/** --sink (repeatable) and --account, for every command that obtains a token. */
export function addDeliveryOptions(command: Command): Command {
  return command
    .option("--sink <spec>", SINK_OPTION_HELP, collect)
    .option("--account <name>", "the account name the token is stored under", parseAccount, DEFAULT_ACCOUNT);
}
