import type { Logger } from "@upstox-token/core";
import type { Daemon } from "../runner/daemon.js";
import { EXIT_FAILED, EXIT_OK } from "./command-io.js";

/**
 * Runs `work` until it ends or SIGINT/SIGTERM arrives (then stops the daemon: logins in flight are aborted,
 * sinks flushed and closed). SIGHUP reloads the config. A second SIGINT/SIGTERM exits at once.
 */
export async function withSignals<T>(
  io: { process: Pick<NodeJS.Process, "on" | "off"> },
  logger: Logger,
  daemon: Daemon,
  work: () => Promise<T>,
  onReloaded: () => void = () => {},
): Promise<T | "stopped"> {
  let onStop: (signal: string) => void = () => {};
  const stopped = new Promise<"stopped">((resolve) => {
    let count = 0;
    onStop = (signal: string) => {
      count++;
      if (count > 1) {
        logger.warn({ signal }, "second signal: exiting now");
        process.exit(EXIT_FAILED);
      }
      logger.info({ signal }, "stopping: no new logins, aborting the ones in flight");
      // Never hang on a stuck connection: a few seconds is all a shutdown gets.
      setTimeout(() => {
        logger.error({}, "shutdown took too long; exiting");
        process.exit(EXIT_OK);
      }, 10_000).unref();
      void daemon.stop().then(() => resolve("stopped"));
    };
  });
  const onTerm = () => onStop("SIGTERM");
  const onInt = () => onStop("SIGINT");
  const onHup = () => {
    logger.info({ signal: "SIGHUP" }, "reloading the config");
    void daemon.reload().then((result) => {
      if (result.ok) onReloaded();
    });
  };
  io.process.on("SIGTERM", onTerm);
  io.process.on("SIGINT", onInt);
  io.process.on("SIGHUP", onHup);
  try {
    return await Promise.race([work(), stopped]);
  } finally {
    io.process.off("SIGTERM", onTerm);
    io.process.off("SIGINT", onInt);
    io.process.off("SIGHUP", onHup);
  }
}
