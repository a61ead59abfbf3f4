import { z } from "zod";
import { type Logger, silentLogger } from "../logger.js";
import { readStateFile, writeStateFile } from "./state-file.js";

const schema = z.object({
  version: z.literal(1),
  /** Upstox's user_id (the UCC) of the first verified login of this mobile number and client id. */
  userId: z.string().min(1).max(64),
  learnedAt: z.number(),
});

/**
 * Which Upstox user an account is (identity.json): learned from its first verified login, then pinned, so a
 * token delivered to the notifier for anyone else is refused even when `ucc` is not configured.
 */
export class IdentityMemory {
  constructor(
    readonly file: string,
    readonly logger: Logger = silentLogger,
  ) {}

  recall(): string | undefined {
    return readStateFile(this.file, schema, this.logger)?.userId;
  }

  /**
   * Records the user of a verified login when none is known. A different user for a known identity is not
   * recorded (the first one stays pinned) and is reported as false.
   */
  learn(userId: string, now: number): boolean {
    const known = this.recall();
    if (known === userId) return true;
    if (known !== undefined) {
      this.logger.warn(
        { file: this.file, known, got: userId },
        "a login returned another Upstox user than the one pinned for this account; the pinned one is kept",
      );
      return false;
    }
    writeStateFile(this.file, { version: 1, userId, learnedAt: now });
    return true;
  }
}
