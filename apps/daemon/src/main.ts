import { resolve } from "node:path";
import { ConfigError, type Logger, readEnvironment, SinkError, UpstoxTokenError } from "@upstox-token/core";
import { Command, CommanderError, Option } from "commander";
import { findConfigFile, loadConfigFile, readConfigSource } from "./config/load-config.js";
import type { DaemonConfig } from "./config/resolve-config.js";
import type { DaemonServers } from "./http/daemon-servers.js";
import { type AlertsHandle, attachAlerts } from "./observe/alerts/attach-alerts.js";
import { createLogger, loadPrettyLogs, wantsPrettyLogs } from "./observe/logger.js";
import { attachNotifications, type NotificationsHandle } from "./observe/notify.js";
import { registerConfigSecrets } from "./observe/secret-scrub.js";
import { formatIst, formatLocal } from "./observe/time-format.js";
import { type Daemon, startDaemon } from "./runner/daemon.js";
import type { RunSummary } from "./runner/daemon-runner.js";
import type { EmulatorMode } from "./runner/emulator-mode.js";
import { nextRuns } from "./runner/schedule.js";
import { logSchedule } from "./runner/schedule-log.js";
import type { ServiceKind } from "./service/install-service.js";
import { DAEMON_VERSION } from "./version.js";

// What only some runs need is imported where it is used: a daemon stays in memory for months, and every module
// it loads stays with it. install-service, the status endpoint (node:http), --emulator and pretty logs are
// loaded by the runs that ask for them.

export const EXIT_OK = 0;
/** --once: some account could not be refreshed. */
export const EXIT_FAILED = 1;
/** Bad config or arguments: nothing ran. */
export const EXIT_CONFIG = 2;

/** pino's levels, in order; `--log-level` and UPSTOX_TOKEN_LOG_LEVEL take one. */
const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Signals to listen to; injectable so tests can run main in-process. */
  process: Pick<NodeJS.Process, "on" | "off">;
}

const defaultIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  process,
};

interface DaemonFlags {
  config?: string;
  envFile?: string;
  once?: boolean;
  dryRun?: boolean;
  offline?: boolean;
  emulator?: boolean;
  pretty?: boolean;
  logLevel?: string;
}

/** The `upstox-token-daemon` command. Resolves with the exit code once the daemon has stopped. */
export async function runMain(argv: string[], io: MainIo = defaultIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name("upstox-token-daemon")
    .description(
      "Keeps Upstox access tokens fresh: logs in after the 03:30 IST expiry and writes every sink.",
    )
    .option(
      "-c, --config <path>",
      "config file (default: upstox-token.config.{ts,json,yaml,yml} in the working directory)",
    )
    .option(
      "--env-file <path>",
      "also read the variables the config refers to from this .env file (the real environment wins; re-read on SIGHUP)",
    )
    .option(
      "--once",
      "catch up (refresh every account without a valid token), then exit; non-zero if any failed",
    )
    .addOption(
      new Option(
        "--dry-run",
        "validate the config, check the sinks, print the next runs, run doctor's Upstox checks; log in nowhere",
      ).conflicts("once"),
    )
    .option("--offline", "with --dry-run: skip the Upstox checks (no network)")
    .option("--emulator", "log in to an in-process Upstox emulator instead of Upstox (rehearsal, demo)")
    .option("--pretty", "human-readable logs (default when stderr is a terminal)")
    .addOption(
      new Option("--log-level <level>", "how much to log (env UPSTOX_TOKEN_LOG_LEVEL)")
        .choices(LOG_LEVELS)
        .default("info"),
    )
    .version(DAEMON_VERSION, "-V, --version", "print the version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (flags: DaemonFlags, command: Command) => {
      const fromEnv = process.env.UPSTOX_TOKEN_LOG_LEVEL;
      if (command.getOptionValueSource("logLevel") === "default" && fromEnv !== undefined && fromEnv !== "") {
        if (!(LOG_LEVELS as readonly string[]).includes(fromEnv)) {
          io.stderr(
            `upstox-token-daemon: UPSTOX_TOKEN_LOG_LEVEL="${fromEnv}" is not a log level\nhint: use one of ${LOG_LEVELS.join(", ")}, or pass --log-level\n`,
          );
          exitCode = EXIT_CONFIG;
          return;
        }
        flags.logLevel = fromEnv;
      }
      // --dry-run reports on stdout, warnings included: its logs say only what went wrong, unless asked for more.
      if (flags.dryRun && command.getOptionValueSource("logLevel") === "default" && !fromEnv) {
        flags.logLevel = "error";
      }
      exitCode = await runDaemon(flags, io);
    });

  program
    .command("install-service")
    .description("print (or --write) a systemd unit or a launchd plist that runs the daemon with this config")
    .option("-c, --config <path>", "config file (default: found in the working directory)")
    .option("--kind <kind>", "systemd-user, systemd-system or launchd (default: this platform's)")
    .option("--user <name>", "systemd-system: the account the service runs as")
    .option("--env-file <path>", "a KEY=value file (mode 0600) with the secrets the config references")
    .option("--write", "write the file instead of printing it")
    .action(async (options: InstallServiceFlags) => {
      exitCode = await runInstallService(options, io);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_CONFIG;
    }
    throw error;
  }
  return exitCode;
}

interface InstallServiceFlags {
  config?: string;
  kind?: string;
  user?: string;
  envFile?: string;
  write?: boolean;
}

const SERVICE_KINDS: readonly ServiceKind[] = ["systemd-user", "systemd-system", "launchd"];

async function runInstallService(flags: InstallServiceFlags, io: MainIo): Promise<number> {
  try {
    if (flags.kind !== undefined && !SERVICE_KINDS.includes(flags.kind as ServiceKind)) {
      throw new ConfigError(`--kind must be one of ${SERVICE_KINDS.join(", ")}`, { field: "--kind" });
    }
    const configPath = findConfigFile({ path: flags.config });
    const { installService } = await import("./service/install-service.js");
    const { serviceWritablePaths } = await import("./service/service-paths.js");
    const env = flags.envFile ? readEnvironment(process.env, resolve(flags.envFile)) : process.env;
    await installService({
      configPath,
      ...(flags.kind ? { kind: flags.kind as ServiceKind } : {}),
      ...(flags.user ? { user: flags.user } : {}),
      ...(flags.envFile ? { envFile: flags.envFile } : {}),
      readWritePaths: serviceWritablePaths(await readConfigSource(configPath), configPath, env),
      write: flags.write === true,
      out: io.stdout,
    });
    return EXIT_OK;
  } catch (error) {
    return reportFatal(error, io, createLogger({ destination: 2 }));
  }
}

async function runDaemon(flags: DaemonFlags, io: MainIo): Promise<number> {
  if (wantsPrettyLogs(flags.pretty)) await loadPrettyLogs();
  const logger = createLogger({
    ...(flags.pretty ? { pretty: true } : {}),
    ...(flags.logLevel ? { level: flags.logLevel } : {}),
  });
  let emulator: EmulatorMode | undefined;
  let daemon: Daemon | undefined;
  let hooks: NotificationsHandle | undefined;
  let alerts: AlertsHandle | undefined;
  let servers: DaemonServers | undefined;
  try {
    if (flags.emulator)
      emulator = await (await import("./runner/emulator-mode.js")).startEmulatorMode(logger);
    const scheduled = !flags.once && !flags.dryRun;
    const envFile = flags.envFile;
    const env = envFile ? () => readEnvironment(process.env, resolve(envFile)) : () => process.env;
    // The status endpoint's and the proxy's addresses are tried before anything starts: a port in use is a
    // config error (exit 2) before the first login, not a crash in the middle of one.
    if (scheduled) await checkListenAddresses(flags.config, env());
    daemon = await startDaemon({
      configPath: flags.config,
      ...(envFile ? { env } : {}),
      logger,
      schedule: scheduled,
      ...(emulator ? { transformConfig: emulator.transformConfig, fetch: emulator.fetch } : {}),
    });
    if (flags.dryRun) {
      io.stdout(dryRunReport(daemon.config, Date.now()));
      if (flags.offline) return EXIT_OK;
      const doctor = await (await import("./commands/dry-run-doctor.js")).dryRunDoctor(
        daemon.config,
        emulator?.fetch,
      );
      io.stdout(doctor.text);
      return doctor.ok ? EXIT_OK : EXIT_FAILED;
    }
    const running = daemon;
    const attachHooks = () => {
      registerConfigSecrets(running.config);
      hooks?.();
      const config = running.config.notifications;
      hooks = config ? attachNotifications(running.events, config, logger) : undefined;
      // Alerts: one message per incident; their state is in the state folder, so re-attaching loses nothing.
      const previous = alerts;
      previous?.detach();
      void previous?.settled().then(() => previous.delivery.close());
      alerts = attachAlerts(running.events, running.config, { logger, quietMornings: !flags.once });
    };
    attachHooks();
    if (flags.once) {
      // A start-up like any other: stored tokens are checked with Upstox first (verifyOnStart).
      const summary = await withSignals(io, logger, daemon, () => running.runOnce("catch-up"));
      await hooks?.settled();
      await alerts?.settled();
      if (summary === "stopped") return EXIT_OK;
      io.stdout(onceReport(summary));
      return summary.ok ? EXIT_OK : EXIT_FAILED;
    }
    // Synchronously, right after start-up: the catch-up's "scheduled" events must find the listener there.
    logSchedule(running.events, () => running.config, logger);
    // The status server and the API proxy (issue 11), with the watchdog they share.
    // Loaded only when configured: most daemons run without them, and every module loaded stays in memory.
    if (running.config.statusServer || running.config.proxy) {
      const { startDaemonServers } = await import("./http/daemon-servers.js");
      servers = await startDaemonServers(running, { logger, ...(emulator ? { fetch: emulator.fetch } : {}) });
    }
    await withSignals(io, logger, daemon, () => new Promise<never>(() => {}), attachHooks);
    return EXIT_OK;
  } catch (error) {
    return reportFatal(error, io, logger);
  } finally {
    await servers?.close();
    await daemon?.stop();
    hooks?.();
    alerts?.detach();
    // A message still being tried gets a few seconds, not the whole retry budget, at shutdown.
    if (alerts) await Promise.race([alerts.settled(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    alerts?.delivery.close();
    await emulator?.close();
    logger.flush?.();
  }
}

/**
 * Tries each address the config asks the daemon to listen on (status endpoint, API proxy) and lets go of it at
 * once, so a port in use is reported before any login. The config is read here only for those two fields;
 * `startDaemon` reads and reports it as usual.
 */
async function checkListenAddresses(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
): Promise<void> {
  const preview = await loadConfigFile({ path: configPath, env });
  const wanted: { host: string; port: number; field: string }[] = [];
  if (preview.statusServer) {
    wanted.push({
      host: preview.statusServer.host ?? "127.0.0.1",
      port: preview.statusServer.port,
      field: "statusServer.port",
    });
  }
  if (preview.proxy) {
    const listen = preview.proxy.listen;
    const at = listen.lastIndexOf(":");
    wanted.push({
      host: listen.slice(0, at).replace(/^\[|\]$/g, ""),
      port: Number(listen.slice(at + 1)),
      field: "proxy.listen",
    });
  }
  const { createServer } = await import("node:net");
  for (const { host, port, field } of wanted) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
      const probe = createServer();
      probe.once("error", (e) => done(e as NodeJS.ErrnoException));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => done(undefined)));
    });
    if (!error) continue;
    const code = error.code;
    if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") throw error;
    const why =
      code === "EADDRINUSE"
        ? "the port is in use (another daemon, or another program)"
        : code === "EACCES"
          ? "permission denied (ports below 1024 need privileges)"
          : "that address is not on this machine";
    const what = field === "proxy.listen" ? "the API proxy" : "the status endpoint";
    throw new ConfigError(`${what} cannot listen on ${host}:${port}: ${why}`, {
      ...(preview.file ? { file: preview.file } : {}),
      field,
      hint: `Stop the program on that port (e.g. \`ss -ltnp 'sport = :${port}'\` shows it), or set ${field} in ${preview.file ?? "the config"} to a free one.`,
    });
  }
}

/**
 * Runs `work` until it ends or SIGINT/SIGTERM arrives (then stops the daemon: logins in flight are aborted,
 * sinks flushed and closed). SIGHUP reloads the config. A second SIGINT/SIGTERM exits at once.
 */
async function withSignals<T>(
  io: MainIo,
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

function reportFatal(error: unknown, io: MainIo, logger: Logger): number {
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

/** --dry-run: what would happen, and when. */
export function dryRunReport(config: DaemonConfig, now: number): string {
  const lines = [`config: ${config.file ?? "(given as an object)"}`, `lock: ${config.lock.use}`, ""];
  for (const account of config.accounts) {
    const sinks = (account.sinks ?? config.sinks).map((s) => s.spec.use).join(", ");
    lines.push(`${account.name} (${account.flow}) → ${sinks}`);
    lines.push(
      `  schedule: "${account.schedule.cron}" in ${account.schedule.timezone}, jitter up to ${account.schedule.jitterMaxMs} ms`,
    );
    for (const at of nextRuns(account.schedule, account.name, now, 3)) {
      lines.push(`  next: ${formatIst(at)}  (${formatLocal(at)})`);
    }
  }
  for (const warning of config.warnings) lines.push(`warning: ${warning}`);
  lines.push("", "dry run: config valid, sinks checked, nothing logged in; the Upstox checks follow.", "");
  return `${lines.join("\n")}\n`;
}

function onceReport(summary: RunSummary): string {
  const lines = summary.accounts.map((o): string => {
    switch (o.result) {
      case "skipped":
        return `${o.account}: valid until ${formatIst(o.expiresAt)} (no login)`;
      case "refreshed":
        return `${o.account}: ${o.loggedIn ? "new token" : "token from another instance"}, valid until ${formatIst(o.expiresAt)}`;
      case "failed":
        return `${o.account}: FAILED ${o.error.code}: ${o.error.message}${o.retryAt !== undefined ? `\n  next try: not before ${formatIst(o.retryAt)} (not waiting: --once)` : ""}${o.error.hint ? `\n  hint: ${o.error.hint}` : ""}`;
      case "suspended":
        return `${o.account}: SUSPENDED ${o.error?.code ?? ""}`;
      default:
        return `${o.account}: aborted`;
    }
  });
  return `${lines.join("\n")}\n`;
}
