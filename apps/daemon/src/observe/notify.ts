import { type Logger, runHook, toIstIso } from "@upstox-token/core";
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  type HookSpec,
  type hooksSchema,
  type NotificationsConfig,
  notificationsSchema,
} from "@upstox-token/core/daemon-config";
import type { z } from "zod";
import type { DaemonEvent, DaemonEvents } from "./event-bus.js";
import { maskTokens, type PublicError, publicError } from "./public-error.js";
import { daemonRedactor } from "./secret-scrub.js";

/** Hooks running at once; the rest wait their turn, so 500 accounts do not fork 500 shells. */
const MAX_CONCURRENT_HOOKS = 4;
/** Beyond this many waiting hooks, new ones are dropped with a warning rather than queued without bound. */
const MAX_QUEUED_HOOKS = 2_000;
const OUTPUT_LIMIT = 2_048;

/** What a hook is told. Built from the event field by field, so nothing secret can ride along. */
export interface HookPayload {
  event: "refresh-succeeded" | "refresh-failed" | "sink-failed" | "fallback";
  account: string;
  expires_at: string | null;
  at: string;
  sink?: string;
  error?: PublicError;
  /** fallback: the flow that failed and the one now run. */
  from?: string;
  to?: string;
}

export interface NotificationsHandle {
  /** Detaches the listener; hooks already running finish (or time out) on their own. */
  (): void;
  /** Resolves when every started and queued hook has finished: await it before exiting (`--once`). */
  settled(): Promise<void>;
}

/** Which hook an event triggers, and with what. */
export function hookPayload(
  event: DaemonEvent,
): { hook: "onRefresh" | "onFailure" | "onFallback"; payload: HookPayload } | null {
  const at = toIstIso(event.at);
  switch (event.type) {
    case "stored":
      // Only a new token: a success that re-read another instance's token changed nothing.
      if (!event.loggedIn) return null;
      return {
        hook: "onRefresh",
        payload: {
          event: "refresh-succeeded",
          account: event.account,
          expires_at: toIstIso(event.record.expiresAt),
          at,
        },
      };
    // Retries in progress are not news; the account giving up for this cycle is.
    case "failed":
    case "rate-limited":
      return {
        hook: "onFailure",
        payload: {
          event: "refresh-failed",
          account: event.account,
          expires_at: null,
          at,
          error: publicError(event.error),
        },
      };
    case "sink-failed":
      return {
        hook: "onFailure",
        payload: {
          event: event.type,
          account: event.account,
          expires_at: null,
          at,
          sink: event.sink,
          error: publicError(event.error),
        },
      };
    case "fallback":
      return {
        hook: "onFallback",
        payload: {
          event: event.type,
          account: event.account,
          expires_at: null,
          at,
          from: event.from,
          to: event.to,
          error: publicError(event.error),
        },
      };
    default:
      return null;
  }
}

/** A webhook URL may carry a secret in its path or query (Slack, Discord): logs show the origin only. */
function webhookForLogs(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}

async function postWebhook(
  url: string,
  headers: Record<string, string>,
  payload: HookPayload,
  timeoutMs: number,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", "user-agent": "upstox-token-daemon" },
    body: JSON.stringify(daemonRedactor.redactDeep(payload)),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: "error",
  });
  // Drain the body so the connection is released; its content does not matter.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
}

/**
 * A command hook's own variables. The process environment itself is allow-listed by core's `runHook` (the
 * daemon's holds the PIN and TOTP secret), and the payload is built from public errors (already scrubbed).
 */
export function hookEnvironment(payload: HookPayload): Record<string, string> {
  const env: Record<string, string> = {
    UPSTOX_TOKEN_EVENT: JSON.stringify(payload),
    UPSTOX_EVENT: payload.event,
    UPSTOX_ACCOUNT: payload.account,
    UPSTOX_EXPIRES_AT: payload.expires_at ?? "",
    UPSTOX_ERROR_CODE: payload.error?.code ?? "",
  };
  if (payload.sink !== undefined) env.UPSTOX_SINK = payload.sink;
  if (payload.from !== undefined) env.UPSTOX_FALLBACK_FROM = payload.from;
  if (payload.to !== undefined) env.UPSTOX_FALLBACK_TO = payload.to;
  return daemonRedactor.redactDeep(env);
}

async function runCommand(
  command: string | string[],
  payload: HookPayload,
  timeoutMs: number,
): Promise<void> {
  const result = await runHook({
    command,
    env: hookEnvironment(payload),
    // The event on stdin too, for commands that would rather read it there.
    stdin: `${JSON.stringify(payload)}\n`,
    timeoutMs,
    redactor: daemonRedactor,
    outputLimit: OUTPUT_LIMIT,
  });
  const tail = maskTokens(result.output);
  if (result.startError) throw result.startError;
  if (result.timedOut) throw new Error(`the command did not finish within ${timeoutMs} ms and was killed`);
  if (result.exitCode !== 0) {
    throw new Error(`the command exited with ${result.exitCode ?? result.signal}${tail ? `: ${tail}` : ""}`);
  }
}

/**
 * Runs the configured webhook and/or command on a new token (`onRefresh`) and on a failure (`onFailure`).
 * The listener only queues work and returns, so a slow, failing or hanging hook never delays or breaks a
 * refresh; every hook failure is logged at warn and then forgotten.
 */
export function attachNotifications(
  events: DaemonEvents,
  config: NotificationsConfig,
  logger: Logger,
): NotificationsHandle {
  const parsed = notificationsSchema.parse(config);
  const list = (hooks: z.output<typeof hooksSchema> | undefined) =>
    (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]).map((hook) => ({
      ...hook,
      timeoutMs: hook.timeoutMs ?? parsed.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    }));
  const hooks = {
    onRefresh: list(parsed.onRefresh),
    onFailure: list(parsed.onFailure),
    onFallback: list(parsed.onFallback),
  };
  const queue: (() => Promise<void>)[] = [];
  const running = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];

  const pump = (): void => {
    while (running.size < MAX_CONCURRENT_HOOKS && queue.length > 0) {
      const job = queue.shift()!;
      const run = job().finally(() => {
        running.delete(run);
        pump();
      });
      running.add(run);
    }
    if (running.size === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const runHook = async (
    name: "onRefresh" | "onFailure" | "onFallback",
    kind: "webhook" | "command",
    payload: HookPayload,
    work: () => Promise<void>,
  ): Promise<void> => {
    const started = Date.now();
    const fields = { hook: name, kind, event: payload.event, account: payload.account };
    try {
      await work();
      logger.debug({ ...fields, ms: Date.now() - started }, "notification hook done");
    } catch (error) {
      const reason = error instanceof Error ? maskTokens(error.message) : String(error);
      logger.warn(
        { ...fields, ms: Date.now() - started, reason },
        "notification hook failed (the refresh is unaffected)",
      );
    }
  };

  const enqueue = (job: () => Promise<void>): void => {
    if (queue.length >= MAX_QUEUED_HOOKS) {
      logger.warn({ queued: queue.length }, "notification hook dropped: too many hooks waiting");
      return;
    }
    queue.push(job);
  };

  const detach = events.on((event) => {
    const selected = hookPayload(event);
    if (selected === null) return;
    const { payload } = selected;
    for (const { webhook, headers, command, timeoutMs } of hooks[selected.hook]) {
      if (webhook !== undefined) {
        enqueue(() =>
          runHook(selected.hook, "webhook", payload, () =>
            postWebhook(webhook, headers ?? {}, payload, timeoutMs).catch((error: unknown) => {
              const reason =
                error instanceof Error && error.name === "TimeoutError"
                  ? `timed out after ${timeoutMs} ms`
                  : error instanceof Error
                    ? // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is the cause.
                      [error.message, (error.cause as { code?: string } | undefined)?.code]
                        .filter(Boolean)
                        .join(": ")
                    : String(error);
              throw new Error(`POST ${webhookForLogs(webhook)}: ${reason}`);
            }),
          ),
        );
      }
      if (command !== undefined) {
        enqueue(() =>
          runHook(selected.hook, "command", payload, () => runCommand(command, payload, timeoutMs)),
        );
      }
    }
    // Start on the next turn: the emitting runner gets control back before any fork or socket work.
    setImmediate(pump);
  });

  const handle = (() => {
    detach();
  }) as NotificationsHandle;
  handle.settled = () =>
    running.size === 0 && queue.length === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          idleWaiters.push(resolve);
        });
  return handle;
}
