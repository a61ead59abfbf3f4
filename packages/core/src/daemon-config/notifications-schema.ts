import { z } from "zod";

export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

export const hookSpecSchema = z
  .strictObject({
    webhook: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .optional()
      .describe("POSTs a JSON body {event, account, expires_at, at, sink?, error?}; never the token."),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("Extra webhook request headers (e.g. Authorization); never logged."),
    command: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        "A string runs through the shell, an array runs without one. Gets the event as JSON on stdin and in " +
          "UPSTOX_TOKEN_EVENT, plus UPSTOX_EVENT, UPSTOX_ACCOUNT, UPSTOX_EXPIRES_AT, UPSTOX_ERROR_CODE; never the token.",
      ),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(300_000)
      .optional()
      .describe(
        "A hook still running after this is abandoned (a command's process group is killed). Default 10000.",
      ),
  })
  .refine((hook) => hook.webhook !== undefined || hook.command !== undefined, {
    message: "give a webhook, a command, or both",
  });

export const hooksSchema = z.union([hookSpecSchema, z.array(hookSpecSchema).min(1)]);

export const notificationsSchema = z
  .strictObject({
    onRefresh: hooksSchema.optional().describe("Runs after a login stored a new token."),
    onFailure: hooksSchema
      .optional()
      .describe("Runs when an account gives up for this cycle, or when a sink could not be written."),
    onFallback: hooksSchema
      .optional()
      .describe(
        'Runs when an account falls back to another flow (e.g. "approve the token request in your Upstox app").',
      ),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(300_000)
      .optional()
      .describe("Time limit of every hook without its own timeoutMs. Default 10000."),
  })
  .describe("Optional hooks; a failing or hanging hook never breaks or delays a refresh.");

export type HookSpec = z.input<typeof hookSpecSchema>;
/** A hook or a list of hooks per event, and a default time limit. The core config's shape is a subset. */
export type NotificationsConfig = z.input<typeof notificationsSchema>;
