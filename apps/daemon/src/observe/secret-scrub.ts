import { configSecrets, SecretRedactor } from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";

/**
 * The daemon's one redactor. The process holds every account's secrets, and upstream text (an Upstox error
 * message, a hook's output, a Redis error) may echo them; logs, /healthz, hook payloads and hook
 * environments all pass through this. It only grows: a secret of a config replaced by a reload stays masked.
 */
export const daemonRedactor = new SecretRedactor();

/** Registers each account's secrets; called when a config is loaded and after each reload. */
export function registerConfigSecrets(
  config: Pick<DaemonConfig, "accounts"> & Partial<Pick<DaemonConfig, "statusServer">>,
): void {
  for (const { upstox } of config.accounts) {
    for (const value of configSecrets(upstox)) daemonRedactor.add(value);
  }
  // The status page's remote secret opens the page and its refresh button: masked like a PIN.
  if (config.statusServer?.secret) daemonRedactor.add(config.statusServer.secret);
}
