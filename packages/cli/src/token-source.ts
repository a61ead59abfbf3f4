import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import type { CommandContext } from "./context.js";
import { DEFAULT_ACCOUNT } from "./default-account.js";
import { collect, parseAccount } from "./option-parsers.js";

export interface TokenSourceOptions {
  token?: string | undefined;
  sink?: string[] | undefined;
  account: string;
}

export interface SourcedToken {
  accessToken: string;
  /** Where it came from: "--token", "UPSTOX_ACCESS_TOKEN" or the sink's name. */
  origin: string;
  /** Epoch ms, when known (from a sink record or the JWT's exp). */
  expiresAt?: number | undefined;
}

/** --token, --sink and --account, for commands that use an existing token (verify, profile, logout). */
export function addTokenSourceOptions(command: Command): Command {
  return command
    .option("--token <token>", "the access token (visible in the process list; prefer UPSTOX_ACCESS_TOKEN)")
    .option(
      "--sink <spec>",
      "read the token from this sink (repeatable; the newest wins); default: the account's sinks in the folder's upstox-token.config.json",
      collect,
    )
    .option("--account <name>", "the account to read from the sinks", parseAccount, DEFAULT_ACCOUNT);
}

/** Finds the token: --token, else the newest in the --sink sinks, else UPSTOX_ACCESS_TOKEN (environment or .env). */
export async function resolveToken(ctx: CommandContext, options: TokenSourceOptions): Promise<SourcedToken> {
  const { decodeJwtClaims, readNewest } = await ctx.core();
  const withExpiry = (accessToken: string, origin: string): SourcedToken => {
    const exp = decodeJwtClaims(accessToken)?.exp;
    return { accessToken, origin, expiresAt: typeof exp === "number" ? exp * 1000 : undefined };
  };
  if (options.token !== undefined) {
    if (options.token.trim() === "") throw new CliError("USAGE", "--token is empty");
    return withExpiry(options.token.trim(), "--token");
  }
  const given = options.sink !== undefined && options.sink.length > 0;
  const folderSinks = given ? undefined : await configSinksFor(ctx, options.account);
  if (given || folderSinks) {
    const { closeSinks, openSinkSpecs, openSinks } = await import("./sink-setup.js");
    const logger = await ctx.logger();
    const account = folderSinks?.account ?? options.account;
    const sinks = folderSinks
      ? await openSinkSpecs(folderSinks.sinks, {
          baseDir: folderSinks.baseDir,
          file: folderSinks.file,
          logger,
        })
      : await openSinks(options.sink ?? [], { cwd: ctx.io.cwd, logger });
    try {
      const readable = sinks.filter((s) => s.read);
      if (readable.length === 0) {
        throw new CliError(
          "USAGE",
          `none of the sinks (${sinks.map((s) => s.name).join(", ")}) can read tokens back`,
          "Use a sink that can read (env, sqlite, redis), or pass --token / UPSTOX_ACCESS_TOKEN.",
        );
      }
      const record = await readNewest(readable, account, logger);
      if (!record) {
        throw new CliError(
          "TOKEN_NOT_FOUND",
          `no token stored for account "${account}" in ${readable.map((s) => s.name).join(", ")}`,
          "Run `upstox-token generate-token --sink …` first, or check --account.",
        );
      }
      return {
        accessToken: record.accessToken.reveal(),
        origin: sinkNames(readable),
        expiresAt: record.expiresAt,
      };
    } finally {
      await closeSinks(sinks);
    }
  }
  const env = await ctx.environment();
  const fromEnv = env.UPSTOX_ACCESS_TOKEN?.trim();
  if (fromEnv) return withExpiry(fromEnv, "UPSTOX_ACCESS_TOKEN");
  throw new CliError(
    "USAGE",
    "no access token given",
    "Pass --token, --sink <spec> (e.g. --sink env), or set UPSTOX_ACCESS_TOKEN in the environment or .env.",
  );
}

/**
 * No --sink: the sinks of the account in the folder's upstox-token.config.json (the daemon's), if there is one.
 * The default account name picks the config's only account when the config has one and no `main`.
 */
async function configSinksFor(ctx: CommandContext, account: string) {
  const { readFolderConfig } = await import("./folder-config.js");
  const config = readFolderConfig(ctx.io.cwd, await ctx.environment());
  if (!config) return undefined;
  const found =
    config.accounts.find((a) => a.name === account) ??
    (account === DEFAULT_ACCOUNT && config.accounts.length === 1 ? config.accounts[0] : undefined);
  if (!found || found.sinks.length === 0) return undefined;
  return { account: found.name, sinks: found.sinks, baseDir: config.baseDir, file: config.file };
}

function sinkNames(sinks: readonly { name: string }[]): string {
  return sinks.map((s) => s.name).join(", ");
}
