import type { Command } from "commander";
import { CommandContext } from "./context.js";
import { toErrorReport } from "./error-report.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { readGlobalOptions } from "./global-options.js";
import type { CliIo } from "./io.js";
import { Output } from "./output.js";

/** A command body: returns its exit code (0 when it returns nothing); throws for errors. */
export type CommandBody<Options> = (
  ctx: CommandContext,
  options: Options,
  args: string[],
) => Promise<ExitCodeValue | undefined>;

/** Turns a command body into a commander action that never throws: errors are printed and become exit codes. */
export type ActionFactory = <Options>(
  body: CommandBody<Options>,
) => (...commanderArgs: unknown[]) => Promise<void>;

export interface RunState {
  exitCode: ExitCodeValue;
}

export function actionFactory(io: CliIo, state: RunState): ActionFactory {
  return <Options>(body: CommandBody<Options>) =>
    async (...commanderArgs: unknown[]) => {
      // commander calls actions with (...positional arguments, options, command).
      const command = commanderArgs.at(-1) as Command;
      const globals = readGlobalOptions(command);
      const out = new Output(io, { json: globals.json, color: globals.color });
      const ctx = new CommandContext(io, globals, out, command.name());
      try {
        state.exitCode = (await body(ctx, command.opts() as Options, command.args.slice())) ?? ExitCode.Ok;
      } catch (error) {
        const report = toErrorReport(error);
        out.error(report);
        if (ctx.options.debug) printCauses(out, error);
        state.exitCode = report.exitCode;
      }
    };
}

/** With --debug: the chain of underlying causes (e.g. why a sink module failed to load), or a bug's stack. */
function printCauses(out: Output, error: unknown): void {
  if (toErrorReport(error).code === "INTERNAL" && error instanceof Error && error.stack) {
    out.note(error.stack);
    return;
  }
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    out.note(`  cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
}
