import type { Logger } from "@upstox-token/core";
import { createMetrics } from "../observe/metrics.js";
import type { Daemon } from "../runner/daemon.js";
import type { ProxyServer, ProxyServerKind } from "./proxy/proxy-server.js";
import { createWatchdogService } from "./proxy/watchdog-service.js";
import type { AccessPolicy } from "./request-policy.js";
import { AccountBoard } from "./status-page/account-board.js";
import { accountsReport } from "./status-page/account-view.js";
import type { StatusServer } from "./status-server.js";

export interface DaemonServers {
  statusServer: StatusServer | undefined;
  proxy: ProxyServer | undefined;
  close(): Promise<void>;
}

/**
 * The page's "refresh now" button: one forced cycle for the account (a cycle already running is joined), in
 * the background; the page follows it through its live updates.
 */
function pressRefresh(daemon: Daemon, given: string | undefined): { status: number; body: unknown } {
  const names = daemon.config.accounts.map((a) => a.name);
  const account = given ?? (names.length === 1 ? names[0] : undefined);
  if (account === undefined || !names.includes(account)) {
    return { status: 404, body: { error: `name an account: one of ${names.join(", ")}` } };
  }
  void daemon.refreshNow(account, "status page button", { force: true, cause: "manual" });
  return { status: 202, body: { account, started: true } };
}

/**
 * Starts what the config asks for beside the schedule: the status server (page, JSON, metrics, the dead-token
 * report) and the API proxy, sharing one watchdog. Listeners attach before the first await, so no event of
 * the catch-up is missed.
 */
export async function startDaemonServers(
  daemon: Daemon,
  options: {
    logger: Logger;
    fetch?: typeof fetch;
    now?: () => number;
    isLoopback?: AccessPolicy["isLoopback"];
    /** Tests: which HTTP server and client the proxy uses (default: the runtime's own). */
    proxyServer?: ProxyServerKind;
  },
): Promise<DaemonServers> {
  const { logger } = options;
  const config = daemon.config;
  if (!config.statusServer && !config.proxy) {
    return { statusServer: undefined, proxy: undefined, close: async () => {} };
  }
  const now = options.now ?? Date.now;
  const metrics = createMetrics(daemon.events, () => daemon.status(), now);
  const board = new AccountBoard(daemon.events, (account) => daemon.sinkNames(account));
  const service = createWatchdogService(daemon, {
    logger,
    now,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const flows = (account: string) =>
    daemon.config.accounts.find((a) => a.name === account)?.flow ?? "unknown";
  // Fleet mode: the queue's state, read in the background (the status answers are synchronous).
  const fleet = daemon.config.fleet
    ? new (await import("./fleet-status.js")).FleetStatusCache(() => daemon.fleetState()).start()
    : undefined;
  const fleetMetrics = fleet ? (await import("./fleet-status.js")).fleetMetrics : () => "";
  let statusServer: StatusServer | undefined;
  let proxy: ProxyServer | undefined;
  try {
    if (config.statusServer) {
      const { startStatusServer } = await import("./status-server.js");
      statusServer = await startStatusServer({
        host: config.statusServer.host,
        port: config.statusServer.port,
        status: () => daemon.status(),
        metrics: () => metrics.render() + service.metrics.render() + fleetMetrics(fleet?.get() ?? null),
        now,
        accounts: () => ({
          ...accountsReport(daemon.status(), board, flows, now(), (account) => daemon.lastRefresh(account)),
          ...(fleet ? { fleet: fleet.get() } : {}),
        }),
        ...(fleet ? { fleet: () => fleet.get() } : {}),
        subscribe: (listener) => board.onChange(listener),
        tokenInvalid: (account) => service.reportInvalid(account),
        refresh: async (account) => pressRefresh(daemon, account),
        ...(config.statusServer.secret ? { secret: config.statusServer.secret } : {}),
        ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
      });
      logger.info(
        { url: statusServer.url },
        "status endpoint: the page at /, /v1/accounts, /healthz, /metrics",
      );
      if (config.statusServer.secret) {
        const { remoteUrlForLog } = await import("./status-access.js");
        logger.warn(
          { host: config.statusServer.host, url: remoteUrlForLog(statusServer.url) },
          `status page in remote mode: other devices reach it only at http://<this machine's address>:${config.statusServer.port}/s/<statusServer.secret>/ (bookmark that link on the phone; the secret is not logged)`,
        );
      }
    }
    if (config.proxy) {
      const { startProxyServer } = await import("./proxy/proxy-server.js");
      proxy = await startProxyServer({
        config: config.proxy,
        accounts: () => service.accounts(),
        authority: service.authority,
        watchdog: service.watchdog,
        logger,
        metrics: service.metrics,
        ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
        ...(options.proxyServer ? { server: options.proxyServer } : {}),
      });
      logger.info({ url: proxy.url }, "API proxy: call it like https://api.upstox.com, without a token");
    }
  } catch (error) {
    fleet?.stop();
    await statusServer?.close();
    board.close();
    service.close();
    throw error;
  }
  return {
    statusServer,
    proxy,
    close: async () => {
      fleet?.stop();
      await Promise.allSettled([statusServer?.close(), proxy?.close()]);
      board.close();
      service.close();
    },
  };
}
