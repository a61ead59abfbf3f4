/** BullMQ's reason for a job whose worker stopped renewing its lock more often than maxStalledCount (0). */
export const STALLED_REASON = "job stalled more than allowable limit";

export const DEFAULT_PREFIX = "upstox-token:fleet:";
export const DEFAULT_QUEUE = "upstox-token-refresh";

/** Completed and failed jobs stay for 3 days: a late daemon's enqueue of the same day then adds nothing. */
export const KEEP_FINISHED = { age: 3 * 24 * 3600 };
