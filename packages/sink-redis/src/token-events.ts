import { SinkError } from "@upstox-token/core";
import { z } from "zod";
import { closeRedisClient, createRedisClient, ensureReady, safeRedisError } from "./redis-connection.js";
import type { TokenEvent } from "./redis-token-sink.js";
import { maskRedisUrl, redisEndpoint } from "./redis-url.js";

const tokenEventSchema = z.object({
  account: z.string(),
  generation: z.number().int(),
  expires_at: z.string(),
});

export interface SubscribeTokenEventsOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /**
   * Connection losses ("lost the connection …"), failed reconnects and unreadable messages. The subscription
   * keeps reconnecting meanwhile (backoff up to 5 s) until the returned function is called.
   */
  onError?: (error: Error) => void;
  /**
   * Called each time the subscription is (re)established. Events published while disconnected are lost,
   * so reload the token here too.
   */
  onReady?: () => void;
}

/**
 * Calls `onEvent` whenever a RedisTokenSink with this prefix stores a new token; consumers reload the token
 * (GET `<prefix><account>`) then. Resolves once subscribed, with a function that unsubscribes and disconnects.
 */
export async function subscribeTokenEvents(
  url: string,
  prefix: string,
  onEvent: (event: TokenEvent) => void,
  options: SubscribeTokenEventsOptions = {},
): Promise<() => Promise<void>> {
  const settings = {
    url,
    connectTimeoutMs: options.connectTimeoutMs ?? 3000,
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
  };
  const name = `redis:${maskRedisUrl(url)}`;
  const report = (error: unknown): void => options.onError?.(safeRedisError(error, url));
  const client = createRedisClient(settings, report, { reconnectForever: true });
  const channel = `${prefix}events`;
  client.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    let event: TokenEvent;
    try {
      event = tokenEventSchema.parse(JSON.parse(message));
    } catch {
      report(new Error(`unreadable message on ${channel}`));
      return;
    }
    onEvent(event);
  });
  try {
    await ensureReady(client, settings.connectTimeoutMs);
    await client.subscribe(channel);
  } catch (error) {
    client.disconnect();
    const cause = safeRedisError(error, url);
    throw new SinkError("SINK_FAILED", name, `${name}: cannot subscribe to ${channel}: ${cause.message}`, {
      cause,
      retryable: true,
    });
  }
  // Registered after the first subscribe so that onReady means "(re)subscribed", not "connected".
  let connected = true;
  client.on("ready", () => {
    connected = true;
    options.onReady?.();
  });
  client.on("close", () => {
    if (!connected || closing) return;
    connected = false;
    report(new Error(`lost the connection to ${redisEndpoint(url)}; reconnecting`));
  });
  options.onReady?.();
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= closeRedisClient(client, settings.commandTimeoutMs);
    return closing;
  };
}
