import type { Command } from "commander";
import type { ActionFactory } from "../action.js";
import { ExitCode } from "../exit-codes.js";
import { collect } from "../option-parsers.js";
import { SINK_OPTION_HELP } from "../sink-options.js";

interface DoctorOptions {
  sink?: string[] | undefined;
}

export function registerDoctor(program: Command, action: ActionFactory): void {
  program
    .command("doctor")
    .description(
      "check everything a login needs without logging in (config, DNS, TLS, clock, dialog, login-service paths, sinks); never sends an OTP or a PIN",
    )
    .option(
      "--sink <spec>",
      `also check that a sink is writable (repeatable; default: the sinks of upstox-token.config.json in this folder): ${SINK_OPTION_HELP.replace(/^write the token to a sink \(repeatable\): /, "")}`,
      collect,
    )
    .action(
      action<DoctorOptions>(async (ctx, options) => {
        const { runDoctor } = await ctx.core();
        const logger = await ctx.logger();
        let config: Awaited<ReturnType<typeof ctx.config>> | { error: unknown };
        try {
          config = await ctx.config();
        } catch (error) {
          config = { error };
        }
        const { closeSinks, openSinks } = await import("../sink-setup.js");
        const sinks: Awaited<ReturnType<typeof openSinks>> = [];
        const checks = [];
        // No --sink: the sinks of the daemon's config in this folder, when there is one.
        const { readFolderConfig } = await import("../folder-config.js");
        const folder = options.sink ? undefined : readFolderConfig(ctx.io.cwd, await ctx.environment());
        const { openSinkSpecs } = await import("../sink-setup.js");
        const fromConfig = folder
          ? [...new Map(folder.accounts.flatMap((a) => a.sinks).map((s) => [s.field, s])).values()]
          : [];
        for (const spec of options.sink ?? fromConfig) {
          const label = typeof spec === "string" ? spec : `${spec.field} (${spec.spec.use})`;
          try {
            const [sink] =
              typeof spec === "string"
                ? await openSinks([spec], { cwd: ctx.io.cwd, logger })
                : await openSinkSpecs([spec], { baseDir: folder!.baseDir, file: folder!.file, logger });
            if (sink) sinks.push(sink);
            if (sink)
              checks.push({
                name: `sink ${sink.name}`,
                run: async () => {
                  if (!sink.check) return "no start-up check (the sink has none)";
                  await sink.check();
                  return "writable";
                },
              });
          } catch (error) {
            checks.push({ name: `sink ${label}`, run: () => Promise.reject(error) });
          }
        }
        try {
          const report = await runDoctor({ config, checks, deps: { logger } });
          if (ctx.out.json) {
            ctx.out.result({
              ok: report.ok,
              checks: report.checks.map((c) => ({
                name: c.name,
                ok: c.ok,
                detail: c.detail,
                fix: c.fix ?? null,
              })),
            });
          } else {
            const { style } = ctx.out;
            for (const check of report.checks) {
              ctx.out.line(
                `${check.ok ? style.green("ok  ") : style.red("FAIL")} ${check.name}: ${check.detail}`,
              );
              if (!check.ok && check.fix) ctx.out.line(`     ${style.dim("fix:")} ${check.fix}`);
            }
            ctx.out.line(report.ok ? "All checks passed." : "Some checks failed; see the fixes above.");
          }
          return report.ok ? ExitCode.Ok : ExitCode.Failure;
        } finally {
          await closeSinks(sinks);
        }
      }),
    );
}
