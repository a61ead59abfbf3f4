import type { Logger } from "./logger.js";

/** Above this, TOTP codes may be rejected (30 s windows), so it is worth a warning. */
export const CLOCK_SKEW_WARN_MS = 5_000;

/**
 * How far the server's clock is ahead of ours (negative: behind), from a response's `Date` header, or null when
 * there is none. The header has 1 s resolution, so anything under about 1 s is noise.
 */
export function measureClockSkew(dateHeader: string | null, receivedAt: number): number | null {
  if (!dateHeader) return null;
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs)) return null;
  return serverMs - receivedAt;
}

/** One login talks to two hosts through two clients, each with a monitor: one warning per logger per hour. */
const REWARN_AFTER_MS = 3_600_000;
const lastWarned = new WeakMap<Logger, number>();

/** Tracks the skew over one login and warns when it is large: once per monitor, and once an hour per logger. */
export class ClockSkewMonitor {
  #skewMs: number | null = null;
  #warned = false;

  constructor(
    private readonly logger: Logger,
    private readonly onSkew?: (skewMs: number) => void,
  ) {}

  /** The last measured skew in ms (server minus local), or null before any response with a Date header. */
  get skewMs(): number | null {
    return this.#skewMs;
  }

  observe(dateHeader: string | null, receivedAt: number, host: string): void {
    const skew = measureClockSkew(dateHeader, receivedAt);
    if (skew === null) return;
    this.#skewMs = skew;
    this.onSkew?.(skew);
    if (!this.#warned && Math.abs(skew) > CLOCK_SKEW_WARN_MS) {
      this.#warned = true;
      const previous = lastWarned.get(this.logger);
      if (previous !== undefined && receivedAt - previous < REWARN_AFTER_MS && receivedAt >= previous) return;
      lastWarned.set(this.logger, receivedAt);
      this.logger.warn(
        { skewMs: skew, host },
        `This machine's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? "behind" : "ahead of"} ${host}; ` +
          "TOTP codes may be rejected. Synchronise the clock (NTP).",
      );
    }
  }
}
