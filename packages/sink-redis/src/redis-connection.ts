import { Redis } from "ioredis";
import { redisEndpoint, redisPassword } from "./redis-url.js";

export interface RedisConnectionSettings {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Reconnect attempts after a lost connection before the client gives up; the next call connects afresh. */
const RECONNECT_ATTEMPTS = 5;

/**
 * A client that never waits silently: commands fail at once while disconnected (no offline queue), each command
 * has a timeout, reconnecting is bounded, and a client that gave up reconnects on the next call
 * (see `ensureReady`). keyv's Redis users suffered exactly these: hangs, swallowed errors, endless reconnects.
 */
export function createRedisClient(
  settings: RedisConnectionSettings,
  onError: (error: Error) => void,
  options: { reconnectForever?: boolean } = {},
): Redis {
  const client = new Redis(settings.url, {
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    connectionName: "upstox-token",
    retryStrategy: options.reconnectForever
      ? (times) => Math.min(times * 250, 5_000)
      : (times) => (times > RECONNECT_ATTEMPTS ? null : Math.min(times * 200, 1_000)),
  });
  // Without a listener ioredis prints "Unhandled error event"; errors still reach callers through their calls.
  client.on("error", onError);
  return client;
}

/**
 * Resolves once the client is ready, connecting if it is idle or gave up. Rejects at the first connection
 * error (a refused connection fails now, not after the timeout) or after `timeoutMs`.
 */
export function ensureReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("end", onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => finish();
    const onError = (error: Error): void => finish(error);
    const onEnd = (): void => finish(new Error("connection closed"));
    const timer = setTimeout(() => finish(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("end", onEnd);
    if (client.status === "wait" || client.status === "end") {
      client.connect().catch((error: Error) => finish(error));
    }
  });
}

/** Rejects with `message` if `promise` has not settled within `ms`: the last guard against a hang. */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A copy of a Redis error safe to attach as a `cause`: ioredis errors carry the command and its arguments
 * (which, for a write, hold the token), and a message could echo the URL's password.
 */
export function safeRedisError(error: unknown, url: string): Error {
  const password = redisPassword(url);
  let message = error instanceof Error ? error.message : String(error);
  if (password) message = message.replaceAll(password, "***");
  const copy = new Error(message);
  copy.name = error instanceof Error ? error.name : "Error";
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") (copy as Error & { code: string }).code = code;
  copy.stack = `${copy.name}: ${message} (at ${redisEndpoint(url)})`;
  return copy;
}

/** Quits politely when connected, else drops the socket; never waits longer than `timeoutMs`. */
export async function closeRedisClient(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await withDeadline(client.quit(), timeoutMs, "QUIT timed out");
  } catch {
    client.disconnect();
  }
}
