import { z } from "zod";
import { defaultMorningPolicy } from "../refresh/morning-policy.js";

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day in IST, "HH:MM" (24-hour), e.g. "07:00"');

/**
 * The morning policy (core's morning-policy): between the 03:30 IST expiry and market open a failure is not
 * given up on; the fallback chain and the alert wait for `escalateAt`.
 */
export const morningSchema = z
  .strictObject({
    escalateAt: clockTime
      .default(defaultMorningPolicy.escalateAt)
      .describe(
        'IST time from which a failing morning runs the fallback chain (e.g. a token request to approve in the Upstox app) and alerts. Before it, failures are retried quietly. Default "07:00".',
      ),
    marketOpen: clockTime
      .default(defaultMorningPolicy.marketOpen)
      .describe(
        'IST time the morning ends: until then a failing login is retried with a capped backoff; after it, every retry.afterFailureMs. Default "09:15".',
      ),
    retryBaseMs: z
      .number()
      .int()
      .min(1_000)
      .default(defaultMorningPolicy.retryBaseMs)
      .describe("First pause between two failed morning cycles, ms (doubles each time). Default 120000."),
    retryMaxMs: z
      .number()
      .int()
      .min(1_000)
      .default(defaultMorningPolicy.retryMaxMs)
      .describe("Longest pause between two failed morning cycles, ms. Default 900000."),
  })
  .refine((m) => m.escalateAt < m.marketOpen, {
    message: "escalateAt must come before marketOpen",
    path: ["escalateAt"],
  })
  .refine((m) => m.escalateAt >= "03:30", {
    message: 'escalateAt must be after the 03:30 expiry (e.g. "07:00")',
    path: ["escalateAt"],
  })
  .refine((m) => m.retryMaxMs >= m.retryBaseMs, {
    message: "retryMaxMs must be at least retryBaseMs",
    path: ["retryMaxMs"],
  })
  .describe("When a failing morning escalates (fallback chain, alert) and until when it keeps trying.");

export type MorningConfig = z.output<typeof morningSchema>;
