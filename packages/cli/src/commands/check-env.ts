import { type Command, Option } from "commander";
import type { ActionFactory } from "../action.js";
import { ExitCode } from "../exit-codes.js";

type Flow = "totp" | "browser" | "token-request" | "exchange";

interface CheckEnvOptions {
  for: Flow;
}

interface VariableView {
  name: string;
  description: string;
  set: boolean;
  value: string;
  required: boolean;
  secret: boolean;
  problem?: string | undefined;
}

export function registerCheckEnv(program: Command, action: ActionFactory): void {
  program
    .command("check-env")
    .description(
      "list the configuration variables (secrets masked); exit 2 if a required one is missing or invalid",
    )
    .addOption(
      new Option("--for <flow>", "which flow's required variables to check")
        .choices(["totp", "browser", "token-request", "exchange"])
        .default("totp"),
    )
    .action(
      action<CheckEnvOptions>(async (ctx, options) => {
        const { CONFIG_VARIABLES, ConfigError, defaultStateDir, describeConfig, loadConfig } =
          await ctx.core();
        const env = await ctx.environment();
        let problems: { field: string; message: string }[] = [];
        let described: Map<string, string> | undefined;
        try {
          const config = loadConfig({ env, envFile: false, logger: await ctx.logger() });
          described = new Map(describeConfig(config).map((entry) => [entry.variable, entry.display]));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems = error.problems;
        }

        const views: VariableView[] = CONFIG_VARIABLES.map((v) => {
          const raw = env[v.name];
          const set = raw !== undefined && raw.trim() !== "";
          const required = v.requiredFor.includes(options.for);
          const value = set
            ? (described?.get(v.name) ?? (v.secret ? "***" : masked(v.name, raw)))
            : v.name === "UPSTOX_STATE_DIR"
              ? `${defaultStateDir(env)} (default)`
              : v.default !== undefined
                ? `${v.default} (default)`
                : required
                  ? "(not set)"
                  : "(not set; optional)";
          return {
            name: v.name,
            description: v.description,
            set,
            value,
            required,
            secret: v.secret,
            problem: problems.find((p) => p.field === v.name)?.message,
          };
        });
        const missing = views.filter((v) => v.required && !v.set).map((v) => v.name);
        const ok = missing.length === 0 && problems.length === 0;
        const envFile = ctx.envFile();

        if (ctx.out.json) {
          ctx.out.result({
            ok,
            flow: options.for,
            env_file: envFile === false ? null : envFile,
            variables: views.map((v) => ({
              name: v.name,
              set: v.set,
              value: v.value,
              required: v.required,
              secret: v.secret,
              ...(v.problem ? { problem: v.problem } : {}),
            })),
            missing,
            problems,
          });
        } else {
          const s = ctx.out.style;
          ctx.out.line(
            `${s.bold("Configuration")} for the ${options.for} flow` +
              (envFile === false ? " (no .env file)" : ` (env file ${envFile})`),
          );
          const width = Math.max(...views.map((v) => v.name.length));
          for (const v of views) {
            const mark = v.problem ? s.red("✗") : v.set ? s.green("✓") : v.required ? s.red("✗") : s.dim("·");
            ctx.out.line(`${mark} ${v.name.padEnd(width)}  ${v.value}`);
            if (v.problem) ctx.out.line(`  ${" ".repeat(width)}  ${s.red(v.problem)}`);
          }
        }
        if (!ok) {
          const lines = [
            ...missing.map((name) => `${name} is required for the ${options.for} flow`),
            ...problems.filter((p) => !missing.includes(p.field)).map((p) => p.message),
          ];
          ctx.out.error({
            code: "CONFIG_INVALID",
            message:
              lines.length === 1
                ? lines[0]!
                : `the configuration is incomplete:\n  - ${lines.join("\n  - ")}`,
            field: missing[0] ?? problems[0]?.field,
            hint: "Set the variables marked ✗ in the environment or in .env (or pass --env-file).",
            exitCode: ExitCode.Usage,
          });
          return ExitCode.Usage;
        }
        return ExitCode.Ok;
      }),
    );
}

/** Non-secret values are shown, except the mobile number, which is partly masked. */
function masked(name: string, value: string): string {
  if (name !== "UPSTOX_USERNAME") return value;
  const digits = value.replace(/\s+/g, "");
  return digits.length > 4 ? `${digits.slice(0, 2)}******${digits.slice(-2)}` : "***";
}
