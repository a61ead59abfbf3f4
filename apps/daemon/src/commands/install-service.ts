import { resolve } from "node:path";
import { ConfigError, readEnvironment } from "@upstox-token/core";
import { environmentWithoutBunDotenv } from "@upstox-token/core/internal";
import { findConfigFile, readConfigSource } from "../config/load-config.js";
import { createLogger } from "../observe/logger.js";
import type { ServiceKind } from "../service/install-service.js";
import { EXIT_OK, type MainIo, reportFatal } from "./command-io.js";

export interface InstallServiceFlags {
  config?: string;
  kind?: string;
  user?: string;
  envFile?: string;
  write?: boolean;
}

const SERVICE_KINDS: readonly ServiceKind[] = ["systemd-user", "systemd-system", "launchd"];

export async function runInstallService(flags: InstallServiceFlags, io: MainIo): Promise<number> {
  try {
    if (flags.kind !== undefined && !SERVICE_KINDS.includes(flags.kind as ServiceKind)) {
      throw new ConfigError(`--kind must be one of ${SERVICE_KINDS.join(", ")}`, { field: "--kind" });
    }
    const configPath = findConfigFile({ path: flags.config });
    const { installService } = await import("../service/install-service.js");
    const { serviceWritablePaths } = await import("../service/service-paths.js");
    // The paths the unit may write come from the --env-file, not from a ./.env Bun loaded by itself.
    const env = flags.envFile
      ? readEnvironment(environmentWithoutBunDotenv(), resolve(flags.envFile))
      : process.env;
    await installService({
      configPath,
      ...(flags.kind ? { kind: flags.kind as ServiceKind } : {}),
      ...(flags.user ? { user: flags.user } : {}),
      ...(flags.envFile ? { envFile: flags.envFile } : {}),
      readWritePaths: serviceWritablePaths(await readConfigSource(configPath), configPath, env),
      env: process.env,
      write: flags.write === true,
      out: io.stdout,
    });
    return EXIT_OK;
  } catch (error) {
    return reportFatal(error, io, createLogger({ destination: 2 }));
  }
}
