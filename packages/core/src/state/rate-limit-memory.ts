import { z } from "zod";
import { type Logger, silentLogger } from "../logger.js";
import { readStateFile, removeStateFile, writeStateFile } from "./state-file.js";

const schema = z.object({
  version: z.literal(1),
  /** No OTP request for this Upstox user before this instant (epoch ms). */
  retryAt: z.number(),
  /** Upstox's code that asked for the pause, when it gave one. */
  upstoxCode: z.string().optional(),
  at: z.number(),
});

/**
 * Upstox's "wait before asking again" (rate-limit.json), shared by every process of the same Upstox user: the
 * daemon, `--once` and the CLI check it before an OTP request, so a second process does not spend one more
 * request (and lengthen the pause) to learn what the first already knows.
 */
export class RateLimitMemory {
  constructor(
    readonly file: string,
    readonly logger: Logger = silentLogger,
  ) {}

  /** The instant before which no OTP request may be sent, or null when none is pending at `now`. */
  pendingUntil(now: number): number | null {
    const record = readStateFile(this.file, schema, this.logger);
    if (!record) return null;
    return record.retryAt > now ? record.retryAt : null;
  }

  /** Keeps the later of the stored and the new instant. */
  remember(retryAt: number, now: number, upstoxCode?: string): void {
    const current = this.pendingUntil(now);
    if (current !== null && current >= retryAt) return;
    writeStateFile(this.file, { version: 1, retryAt, at: now, ...(upstoxCode ? { upstoxCode } : {}) });
  }

  forget(): void {
    removeStateFile(this.file);
  }
}
