import { join } from "node:path";
import type { Emulator } from "@upstox-token/emulator";
import { validateConfig } from "../../src/config/load-config.js";
import { type DaemonServers, startDaemonServers } from "../../src/http/daemon-servers.js";
import type { ProxyServerKind } from "../../src/http/proxy/proxy-server.js";
import { type Daemon, startDaemon } from "../../src/runner/daemon.js";
import { accountEntry, demoAccount, memoryLogger, type TestAccount, tempDir } from "./helpers.js";

export interface ProxiedDaemon {
  daemon: Daemon;
  servers: DaemonServers;
  proxyUrl: string;
  statusUrl: string;
  logger: ReturnType<typeof memoryLogger>;
  /** The account's current token, straight from its sink (to revoke it at the emulator, and look for leaks). */
  token(account?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A daemon logged in to the emulator, with its status server and proxy on free loopback ports. */
export async function startProxiedDaemon(
  emulator: Emulator,
  options: {
    accounts?: TestAccount[];
    proxy?: Record<string, unknown>;
    extra?: Record<string, unknown>;
    isLoopback?: (address: string | undefined) => boolean;
    login?: boolean;
    server?: ProxyServerKind;
    /** The state folder (last-refresh.json); default a fresh one in the daemon's temp folder. */
    stateDir?: string;
  } = {},
): Promise<ProxiedDaemon> {
  const { dir, cleanup } = tempDir("daemon-proxy-");
  const accounts = options.accounts ?? [demoAccount("main")];
  const config = validateConfig(
    {
      accounts: accounts.map((a) => accountEntry(emulator, a)),
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      retry: { attempts: 1 },
      statusServer: { port: 0 },
      proxy: { listen: "127.0.0.1:0", ...options.proxy },
      watchdog: { cooldownMs: 60_000 },
      ...options.extra,
    },
    { file: null, baseDir: dir },
  );
  const logger = memoryLogger();
  // Waits (a TOTP window, a backoff) end at once: a wrong TOTP fails in milliseconds, not at the next window.
  const daemon = await startDaemon({
    config,
    logger,
    schedule: false,
    sleep: async () => {},
    stateDir: options.stateDir ?? join(dir, "state"),
  });
  const servers = await startDaemonServers(daemon, {
    logger,
    ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
    ...(options.server ? { proxyServer: options.server } : {}),
  });
  if (options.login !== false) await daemon.runOnce();
  return {
    daemon,
    servers,
    proxyUrl: servers.proxy?.url ?? "",
    statusUrl: servers.statusServer?.url ?? "",
    logger,
    token: async (account = accounts[0]?.name ?? "main") => {
      const record = await daemon.storedRecord(account);
      if (!record) throw new Error(`no token stored for ${account}`);
      return record.accessToken.reveal();
    },
    stop: async () => {
      await servers.close();
      await daemon.stop();
      cleanup();
    },
  };
}

/** Revokes a token at the emulator the way Upstox does on logout (R8). */
export async function revokeAtEmulator(emulator: Emulator, token: string): Promise<void> {
  const response = await fetch(`${emulator.apiBase}/v2/logout`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  if (response.status !== 200) throw new Error(`logout answered ${response.status}`);
}
