export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** No single delay exceeds this, ms. */
  maxMs: number;
  /** How many attempts in all (the first try included). */
  attempts: number;
}

/**
 * Exponential backoff with full jitter (AWS's "full jitter"): a uniform delay in [0, min(max, base·2^n)].
 * Spreads retries from many accounts or machines instead of letting them stampede together.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<BackoffPolicy, "baseMs" | "maxMs">,
  random = Math.random,
) {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
