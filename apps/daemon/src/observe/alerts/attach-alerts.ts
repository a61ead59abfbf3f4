import { defaultMorningPolicy, defaultStateDir, type Logger, userKey } from "@upstox-token/core";
import type { AlertsConfig } from "@upstox-token/core/daemon-config";
import type { DaemonConfig } from "../../config/resolve-config.js";
import type { DaemonEvents } from "../event-bus.js";
import { daemonRedactor } from "../secret-scrub.js";
import type { AlertChannel } from "./channel.js";
import { AlertDelivery } from "./deliver.js";
import { discordChannel } from "./discord.js";
import { emailChannel } from "./email.js";
import { IncidentStore } from "./incident-store.js";
import { IncidentTracker } from "./incident-tracker.js";
import { ntfyChannel } from "./ntfy.js";
import { slackChannel } from "./slack.js";
import { telegramChannel } from "./telegram.js";

/** Every configured channel. */
export function alertChannels(config: AlertsConfig): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (config.telegram) channels.push(telegramChannel(config.telegram));
  if (config.ntfy) channels.push(ntfyChannel(config.ntfy));
  if (config.slack) channels.push(slackChannel(config.slack));
  if (config.discord) channels.push(discordChannel(config.discord));
  if (config.email) channels.push(emailChannel(config.email, config.timeoutMs));
  return channels;
}

/** The channels' own secrets: masked in every log line and alert like the accounts' secrets. */
export function alertSecrets(config: AlertsConfig): string[] {
  return [
    config.telegram?.botToken,
    config.ntfy?.token,
    config.slack?.webhookUrl,
    config.discord?.webhookUrl,
    config.email?.smtp.pass,
  ].filter((s): s is string => typeof s === "string" && s.length >= 6);
}

export interface AlertsHandle {
  /** Detaches from the events; messages already queued are still delivered. */
  detach(): void;
  /** Resolves when every queued message was delivered or given up. */
  settled(): Promise<void>;
  readonly delivery: AlertDelivery;
}

/**
 * Turns the daemon's events into alerts on the configured channels: one per incident and one per resolution.
 * The listener only records and queues; a channel that is slow or down never touches a refresh.
 */
export function attachAlerts(
  events: DaemonEvents,
  config: Pick<DaemonConfig, "accounts" | "alerts" | "morning">,
  options: {
    logger: Logger;
    stateDir?: string;
    sleep?: (ms: number) => Promise<void>;
    /** false for --once: there is no later cycle to wait for, so problems are told at once. */
    quietMornings?: boolean;
  },
): AlertsHandle | undefined {
  const alerts = config.alerts;
  if (!alerts) return undefined;
  for (const secret of alertSecrets(alerts)) daemonRedactor.add(secret);
  const channels = alertChannels(alerts);
  const delivery = new AlertDelivery(channels, {
    attempts: alerts.attempts,
    retryDelayMs: alerts.retryDelayMs,
    timeoutMs: alerts.timeoutMs,
    logger: options.logger,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const stateDir = options.stateDir ?? defaultStateDir();
  const stores = new Map<string, IncidentStore>();
  for (const account of config.accounts) {
    const key = userKey({ mobile: account.upstox.mobile, clientId: account.upstox.clientId ?? "" });
    stores.set(account.name, new IncidentStore(stateDir, key));
  }
  const tracker = new IncidentTracker({
    storeFor: (account) => stores.get(account),
    morning: () => config.morning ?? defaultMorningPolicy,
    quietMornings: options.quietMornings !== false,
    send: (message, about) => delivery.enqueue(message, about),
  });
  const detach = events.on((event) => {
    try {
      tracker.handle(event);
    } catch (error) {
      options.logger.warn({ err: String(error), event: event.type }, "alert bookkeeping failed");
    }
  });
  options.logger.info({ channels: delivery.channels }, "alerts on");
  return {
    detach: () => {
      detach();
    },
    settled: () => delivery.settled(),
    delivery,
  };
}
