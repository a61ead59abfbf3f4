import {
  type BuiltinSinks,
  ConfigError,
  type ConfigProblem,
  checkSinks,
  createSinkFromSpec,
  type Logger,
  SinkError,
  type TokenSink,
} from "@upstox-token/core/internal";
import { configFileError } from "../config/config-problems.js";
import type { ConfiguredSink, DaemonConfig } from "../config/resolve-config.js";

/**
 * The sinks of one config: the top-level ones are created once and shared by every account that uses them
 * (one SQLite handle, one Redis connection), per-account ones per account.
 */
export class ConfiguredSinks {
  readonly #shared: TokenSink[];
  readonly #perAccount: Map<string, TokenSink[]>;

  private constructor(shared: TokenSink[], perAccount: Map<string, TokenSink[]>) {
    this.#shared = shared;
    this.#perAccount = perAccount;
  }

  /** Creates every sink; all problems (unknown sink, bad options) come back as one ConfigError naming the file. */
  static async create(
    config: DaemonConfig,
    context: { builtins: BuiltinSinks; logger: Logger },
  ): Promise<ConfiguredSinks> {
    const problems: ConfigProblem[] = [];
    const created: TokenSink[] = [];
    const make = async (configured: ConfiguredSink): Promise<TokenSink | undefined> => {
      try {
        const sink = await createSinkFromSpec(configured.spec, {
          builtins: context.builtins,
          baseDir: config.baseDir,
          logger: context.logger,
          field: `${configured.field}.options`,
          ...(config.file ? { file: config.file } : {}),
        });
        created.push(sink);
        return sink;
      } catch (error) {
        problems.push(sinkProblem(configured, error));
        return undefined;
      }
    };
    const shared = (await Promise.all(config.sinks.map(make))).filter((s): s is TokenSink => s !== undefined);
    const perAccount = new Map<string, TokenSink[]>();
    for (const account of config.accounts) {
      if (!account.sinks) continue;
      const sinks = await Promise.all(account.sinks.map(make));
      perAccount.set(
        account.name,
        sinks.filter((s): s is TokenSink => s !== undefined),
      );
    }
    if (problems.length > 0) {
      await Promise.allSettled(created.map((s) => s.close?.()));
      throw configFileError(config.file, problems);
    }
    return new ConfiguredSinks(shared, perAccount);
  }

  for(account: string): TokenSink[] {
    return this.#perAccount.get(account) ?? this.#shared;
  }

  all(): TokenSink[] {
    return [...new Set([...this.#shared, ...[...this.#perAccount.values()].flat()])];
  }

  /** The start-up check (a throwaway write) of every sink, in parallel; throws the failures together. */
  check(): Promise<void> {
    return checkSinks(this.all(), "Fix the sink's target (path, permissions, server) and start again.");
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((sink) => sink.close?.()));
  }
}

function sinkProblem(configured: ConfiguredSink, error: unknown): ConfigProblem {
  if (error instanceof ConfigError) {
    const message = error.message.startsWith(configured.field)
      ? error.message
      : `${configured.field}: ${error.message}`;
    return {
      field: error.field ?? configured.field,
      message: error.hint ? `${message} (${error.hint})` : message,
    };
  }
  if (error instanceof SinkError && error.code === "SINK_NOT_FOUND") {
    return {
      field: `${configured.field}.use`,
      message: `${configured.field}.use: ${error.message}. ${error.hint ?? ""}`.trim(),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    field: configured.field,
    message: `${configured.field}: the sink "${configured.spec.use}" could not be created: ${message}`,
  };
}
