import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { FlowDeps, Logger, UpstoxConfig } from "@upstox-token/core";
import type { GlobalOptions } from "./global-options.js";
import type { CliIo } from "./io.js";
import type { Output } from "./output.js";

/**
 * What a command's action gets. Core is imported on first use, not at start-up, so `--help` stays fast.
 */
export class CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly out: Output;
  /** The command running (e.g. "generate-token"), for the state folder's record of a token it stored. */
  readonly commandName: string;
  #logger: Logger | undefined;
  #config: UpstoxConfig | undefined;
  #baseEnv: Record<string, string | undefined> | undefined;

  constructor(io: CliIo, options: GlobalOptions, out: Output, commandName = "") {
    this.io = io;
    this.options = options;
    this.out = out;
    this.commandName = commandName;
  }

  core(): Promise<typeof import("@upstox-token/core/internal")> {
    return import("@upstox-token/core/internal");
  }

  async logger(): Promise<Logger> {
    if (!this.#logger) {
      const { stderrLogger } = await import("./stderr-logger.js");
      this.#logger = stderrLogger(this.out, { debug: this.options.debug });
    }
    return this.#logger;
  }

  /** The .env file to read: --env-file (must exist), else ./.env when present, else none. */
  envFile(): string | false {
    if (this.options.envFile !== undefined) return resolve(this.io.cwd, this.options.envFile);
    const local = resolve(this.io.cwd, ".env");
    return existsSync(local) ? local : false;
  }

  /** The real environment: under Bun, without what Bun itself loaded from ./.env (see core's bun-dotenv.ts). */
  async baseEnv(): Promise<Record<string, string | undefined>> {
    if (!this.#baseEnv) {
      if (this.io.env === process.env) {
        const { environmentWithoutBunDotenv } = await this.core();
        this.#baseEnv = environmentWithoutBunDotenv(this.io.env, process.cwd());
      } else {
        this.#baseEnv = this.io.env;
      }
    }
    return this.#baseEnv;
  }

  /** The environment merged with the .env file (the environment wins), for variables outside the config. */
  async environment(): Promise<Record<string, string | undefined>> {
    const { readEnvironment } = await this.core();
    return readEnvironment(await this.baseEnv(), this.envFile());
  }

  async config(): Promise<UpstoxConfig> {
    if (!this.#config) {
      const { loadConfig } = await this.core();
      this.#config = loadConfig({
        env: await this.baseEnv(),
        envFile: this.envFile(),
        logger: await this.logger(),
      });
      // From here on, nothing upstream can echo one of these secrets to the terminal.
      const { redactorFor, scrubText } = await this.core();
      const redactor = redactorFor(this.#config);
      this.out.redactWith((text) => scrubText(text, redactor));
      if (this.#config.debug && !this.options.debug) {
        // UPSTOX_DEBUG=true behaves like --debug.
        this.options.debug = true;
        this.#logger = undefined;
      }
    }
    return this.#config;
  }

  async flowDeps(): Promise<FlowDeps> {
    const config = await this.config();
    const { defaultStateDir, endpointMemoryIn } = await this.core();
    return {
      logger: await this.logger(),
      debug: this.options.debug || config.debug,
      // Which login-service paths answered, per account (UPSTOX_STATE_DIR/endpoints.json).
      endpointMemory: endpointMemoryIn(defaultStateDir(await this.environment())),
    };
  }
}
