import { ConfigError, type Logger, SinkError, UpstoxTokenError } from "@upstox-token/core";

export const EXIT_OK = 0;
/** --once: some account could not be refreshed. */
export const EXIT_FAILED = 1;
/** Bad config or arguments: nothing ran. */
export const EXIT_CONFIG = 2;

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Signals to listen to; injectable so tests can run main in-process. */
  process: Pick<NodeJS.Process, "on" | "off">;
}

export const defaultIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  process,
};

/** What a command that failed prints, and its exit code: 2 for a config (or sink set-up) error, else 1. */
export function reportFatal(error: unknown, io: MainIo, logger: Logger): number {
  if (error instanceof ConfigError) {
    io.stderr(`upstox-token-daemon: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`);
    return EXIT_CONFIG;
  }
  if (error instanceof SinkError && (error.code === "SINK_CHECK_FAILED" || error.code === "SINK_NOT_FOUND")) {
    io.stderr(`upstox-token-daemon: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`);
    return EXIT_CONFIG;
  }
  if (error instanceof UpstoxTokenError) {
    io.stderr(`upstox-token-daemon: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`);
    logger.error({ code: error.code, err: error.message }, "daemon failed");
    return EXIT_FAILED;
  }
  io.stderr(
    `upstox-token-daemon: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT_FAILED;
}
