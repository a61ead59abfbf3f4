import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { type Logger, silentLogger } from "../logger.js";
import { readStateFile, removeStateFile, writeStateFile } from "./state-file.js";

const schema = z.object({
  version: z.literal(1),
  /** scrypt(PIN, salt), hex. Never the PIN. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  /** Epoch ms Upstox refused it. */
  refusedAt: z.number(),
});

export interface RefusedPin {
  refusedAt: number;
}

function hashPin(pin: string, salt: Buffer): Buffer {
  return scryptSync(`upstox-pin\0${pin}`, salt, 32);
}

/**
 * A PIN Upstox refused, remembered for every process of the same Upstox user (refused-pin.json): a salted
 * scrypt hash, so the file says "this PIN was refused" without holding the PIN. No process sends that PIN
 * again; a changed PIN clears the record.
 */
export class RefusedPinMemory {
  constructor(
    readonly file: string,
    readonly logger: Logger = silentLogger,
  ) {}

  /**
   * When the given PIN is the refused one: when it was refused. A record of another PIN is stale (the person
   * changed the PIN) and is removed.
   */
  check(pin: string): RefusedPin | null {
    const record = readStateFile(this.file, schema, this.logger);
    if (!record) return null;
    const same = timingSafeEqual(
      hashPin(pin, Buffer.from(record.salt, "hex")),
      Buffer.from(record.hash, "hex"),
    );
    if (same) return { refusedAt: record.refusedAt };
    this.forget();
    this.logger.info({ file: this.file }, "the PIN changed since one was refused; the refusal is forgotten");
    return null;
  }

  remember(pin: string, refusedAt: number): void {
    const salt = randomBytes(16);
    writeStateFile(this.file, {
      version: 1,
      hash: hashPin(pin, salt).toString("hex"),
      salt: salt.toString("hex"),
      refusedAt,
    });
  }

  forget(): void {
    try {
      removeStateFile(this.file);
    } catch (error) {
      this.logger.warn(
        { file: this.file, err: (error as Error).message },
        "could not remove the refused-PIN record",
      );
    }
  }
}
