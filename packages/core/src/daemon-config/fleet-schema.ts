import { z } from "zod";

/** Upstox's OTP limit (about 10 per 10 minutes per user), kept with a margin: a slot is taken before the OTP leaves. */
export const DEFAULT_FLEET_OTP_LIMIT = { max: 8, windowMs: 11 * 60_000 };

export const fleetSchema = z
  .strictObject({
    redis: z
      .string()
      .refine(
        (v) => /^rediss?:\/\/\S+$/.test(v),
        'must be a redis:// or rediss:// URL, e.g. "redis://10.0.0.5:6379"',
      )
      .describe(
        "The one Redis every daemon of the fleet shares (BullMQ's queue, the PIN ledger, the OTP budget).",
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe("Jobs (account logins) this daemon works on at once. Default: the top-level concurrency."),
    pace: z
      .union([
        z
          .number()
          .positive()
          .transform((loginsPerSecond) => ({ loginsPerSecond })),
        z.strictObject({
          loginsPerSecond: z.number().positive().describe("Logins started per second, all daemons together."),
        }),
        z.literal(false).transform(() => ({ loginsPerSecond: undefined })),
      ])
      .optional()
      .describe(
        "Fleet-wide logins per second (BullMQ's global rate limiter; one login is about 6 requests). Default 3 (about 18 requests/s); false: none. The top-level `pace` stays per daemon (per egress IP).",
      ),
    otpLimit: z
      .union([
        z.strictObject({
          max: z.number().int().min(1).describe("OTP requests per Upstox user in the window."),
          windowMs: z.number().int().min(1_000).describe("The window, ms."),
        }),
        z.literal(false),
      ])
      .optional()
      .describe("OTP requests per Upstox user across the fleet. Default 8 per 11 minutes; false: none kept."),
    queue: z
      .string()
      .min(1)
      .regex(/^[\w.-]+$/, "letters, digits, . _ - only")
      .optional()
      .describe('BullMQ queue name. Default "upstox-token-refresh".'),
    jobLockMs: z
      .number()
      .int()
      .min(1_000)
      .optional()
      .describe("A worker silent this long is taken for dead (BullMQ's lockDuration). Default 30000."),
  })
  .describe(
    "Fleet mode: daemons on several machines share the accounts through one BullMQ queue on one Redis. Needs the optional peer @upstox-token/fleet (and bullmq).",
  );

export type FleetConfigParsed = z.output<typeof fleetSchema>;

export interface FleetConfig {
  redis: string;
  concurrency: number;
  loginsPerSecond: number | undefined;
  otpLimit: { max: number; windowMs: number } | null;
  queue: string | undefined;
  jobLockMs: number | undefined;
}

export const DEFAULT_FLEET_LOGINS_PER_SECOND = 3;

export function resolveFleetConfig(
  parsed: FleetConfigParsed | undefined,
  concurrency: number,
): FleetConfig | undefined {
  if (!parsed) return undefined;
  return {
    redis: parsed.redis,
    concurrency: parsed.concurrency ?? concurrency,
    loginsPerSecond: parsed.pace ? parsed.pace.loginsPerSecond : DEFAULT_FLEET_LOGINS_PER_SECOND,
    otpLimit: parsed.otpLimit === false ? null : (parsed.otpLimit ?? DEFAULT_FLEET_OTP_LIMIT),
    queue: parsed.queue,
    jobLockMs: parsed.jobLockMs,
  };
}
