import { resolve } from "node:path";
import {
  claimDaemonPidFile,
  type DaemonPidFile,
  defaultStateDir,
  environmentWithoutBunDotenv,
  readEnvironment,
} from "@upstox-token/core/internal";
import { findConfigFile } from "../config/load-config.js";
import type { DaemonServers } from "../http/daemon-servers.js";
import { checkListenAddresses } from "../http/listen-check.js";
import { type AlertsHandle, attachAlerts } from "../observe/alerts/attach-alerts.js";
import { createLogger, loadPrettyLogs, wantsPrettyLogs } from "../observe/logger.js";
import { attachNotifications, type NotificationsHandle } from "../observe/notify.js";
import { maskTokens } from "../observe/public-error.js";
import { daemonRedactor, registerConfigSecrets } from "../observe/secret-scrub.js";
import { type Daemon, startDaemon } from "../runner/daemon.js";
import type { EmulatorMode } from "../runner/emulator-mode.js";
import { logSchedule } from "../runner/schedule-log.js";
import { EXIT_FAILED, EXIT_OK, type MainIo, reportFatal } from "./command-io.js";
import { dryRunReport } from "./dry-run.js";
import { onceReport } from "./once.js";
import { withSignals } from "./signals.js";

// What only some runs need is imported where it is used: a daemon stays in memory for months, and every module
// it loads stays with it. The status endpoint (node:http), --emulator and the dry run's doctor are loaded by
// the runs that ask for them.

export interface DaemonFlags {
  config?: string;
  envFile?: string;
  once?: boolean;
  dryRun?: boolean;
  offline?: boolean;
  emulator?: boolean;
  pretty?: boolean;
  logLevel?: string;
}

/** The daemon itself: long-running (the schedule), `--once` (catch up, report, exit) or `--dry-run`. */
export async function runDaemon(flags: DaemonFlags, io: MainIo): Promise<number> {
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
  let pidFile: DaemonPidFile | undefined;
  try {
    // A rehearsal against the emulator keeps its own state (a PIN it refused, a rate limit, the identity it
    // learnt): what a stand-in Upstox said must never block or pin the real account.
    let stateDir: string | undefined;
    if (flags.emulator) {
      const mode = await import("../runner/emulator-mode.js");
      emulator = await mode.startEmulatorMode(logger);
      stateDir = mode.emulatorStateDir();
    }
    const scheduled = !flags.once && !flags.dryRun;
    const envFile = flags.envFile;
    // Run straight under Bun, ./.env is in process.env before this code runs: without taking it out (once,
    // here), a stale ./.env would win over --env-file at start and on every reload. The named file is re-read
    // on every reload, on top of that base.
    const baseEnv = envFile ? environmentWithoutBunDotenv() : process.env;
    const env = envFile ? () => readEnvironment(baseEnv, resolve(envFile)) : () => process.env;
    // The status endpoint's and the proxy's addresses are tried before anything starts: a port in use is a
    // config error (exit 2) before the first login, not a crash in the middle of one.
    if (scheduled) await checkListenAddresses(flags.config, env());
    // One daemon per config on this host (<state>/daemons/<configKey>.pid). --once and --dry-run do not
    // claim it: a one-shot run beside the daemon is serialised by the user's lock and serves its token.
    if (scheduled) pidFile = claimDaemonPidFile(defaultStateDir(), findConfigFile({ path: flags.config }));
    daemon = await startDaemon({
      configPath: flags.config,
      ...(envFile ? { env, envFile } : {}),
      logger,
      schedule: scheduled,
      ...(emulator ? { transformConfig: emulator.transformConfig, fetch: emulator.fetch } : {}),
      ...(stateDir ? { stateDir } : {}),
    });
    if (flags.dryRun) {
      io.stdout(dryRunReport(daemon.config, Date.now(), { offline: flags.offline === true }));
      // A sink that cannot be written now does not stop the daemon, but a check run says so (exit 1).
      const sinkFailures = daemon.sinkCheckFailures();
      for (const f of sinkFailures) io.stdout(`sink ${f.sink}: check FAILED: ${maskTokens(f.message)}\n`);
      if (sinkFailures.length > 0) return EXIT_FAILED;
      if (flags.offline) return EXIT_OK;
      const doctor = await (await import("./dry-run-doctor.js")).dryRunDoctor(daemon.config, emulator?.fetch);
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
      alerts = attachAlerts(running.events, running.config, {
        logger,
        quietMornings: !flags.once,
        ...(stateDir ? { stateDir } : {}),
      });
    };
    attachHooks();
    if (flags.once) {
      // A start-up like any other: stored tokens are checked with Upstox first (verifyOnStart).
      const summary = await withSignals(io, logger, daemon, () => running.runOnce("catch-up"));
      await hooks?.settled();
      await alerts?.settled();
      if (summary === "stopped") return EXIT_OK;
      // A sink that did not take the token is not caught up after --once exits: say so, and exit 1.
      const lagging = running.config.accounts.flatMap((a) =>
        running
          .laggingSinks(a.name)
          .map((l) => `${a.name}: sink ${l.sink} does not hold the token: ${maskTokens(l.error.message)}\n`),
      );
      // Upstox's own message may echo a secret: the summary passes through the same redactor as the logs.
      io.stdout(daemonRedactor.redact(onceReport(summary) + lagging.join("")));
      return summary.ok && lagging.length === 0 ? EXIT_OK : EXIT_FAILED;
    }
    // Synchronously, right after start-up: the catch-up's "scheduled" events must find the listener there.
    logSchedule(running.events, () => running.config, logger);
    // The status server and the API proxy (issue 11), with the watchdog they share.
    // Loaded only when configured: most daemons run without them, and every module loaded stays in memory.
    if (running.config.statusServer || running.config.proxy) {
      const { startDaemonServers } = await import("../http/daemon-servers.js");
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
    pidFile?.release();
    logger.flush?.();
  }
}
