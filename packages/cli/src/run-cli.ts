import { CommanderError } from "commander";
import { actionFactory, type RunState } from "./action.js";
import { errorReportJson } from "./error-report.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { type CliIo, processIo } from "./io.js";
import { buildProgram } from "./program.js";

/**
 * Runs the CLI on `argv` (the user's arguments, without `node script`) and resolves to the exit code.
 * Never calls process.exit, so tests can run it in-process with their own `io`.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCodeValue> {
  const state: RunState = { exitCode: ExitCode.Ok };
  const program = buildProgram(io, actionFactory(io, state));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end here with exit code 0; every parse error is a usage error.
    if (error.exitCode === 0) return ExitCode.Ok;
    if (argv.includes("--json") && error.code !== "commander.help") {
      const message = error.message.replace(/^error: /, "");
      io.stdout(
        `${JSON.stringify(errorReportJson({ code: "USAGE", message, exitCode: ExitCode.Usage }), null, 2)}\n`,
      );
    }
    return ExitCode.Usage;
  }
}
