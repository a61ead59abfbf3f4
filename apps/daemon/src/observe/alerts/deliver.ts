import type { Logger } from "@upstox-token/core";
import { maskTokens } from "../public-error.js";
import type { AlertChannel, AlertMessage } from "./channel.js";

export interface DeliveryOptions {
  attempts: number;
  retryDelayMs: number;
  timeoutMs: number;
  logger: Logger;
  /** Real-time waits between tries (tests may shorten them). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends each message to every channel, in order per channel (a resolution never overtakes its problem), with
 * a bounded number of tries; a channel that keeps failing is logged and the message dropped for it. Runs
 * detached from the refresh: nothing here can delay or break one.
 */
export class AlertDelivery {
  readonly #channels: readonly AlertChannel[];
  readonly #o: DeliveryOptions;
  readonly #queues = new Map<string, Promise<void>>();
  #sent = 0;
  #lost = 0;

  constructor(channels: readonly AlertChannel[], options: DeliveryOptions) {
    this.#channels = channels;
    this.#o = options;
  }

  get channels(): readonly string[] {
    return this.#channels.map((c) => c.name);
  }

  /** Messages delivered and given up, over all channels. */
  get counts(): { sent: number; lost: number } {
    return { sent: this.#sent, lost: this.#lost };
  }

  enqueue(message: AlertMessage, about: { account: string; kind: string }): void {
    for (const channel of this.#channels) {
      const previous = this.#queues.get(channel.name) ?? Promise.resolve();
      const next = previous.then(() => this.#deliver(channel, message, about));
      this.#queues.set(channel.name, next);
    }
  }

  /** Resolves when every queued message has been delivered or given up (tests, `--once`, shutdown). */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.#queues.values()];
      await Promise.all(pending);
      if ([...this.#queues.values()].every((q, i) => q === pending[i])) return;
    }
  }

  close(): void {
    for (const channel of this.#channels) channel.close?.();
  }

  async #deliver(channel: AlertChannel, message: AlertMessage, about: { account: string; kind: string }) {
    const { attempts, retryDelayMs, timeoutMs, logger } = this.#o;
    const sleep = this.#o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const fields = {
      channel: channel.name,
      account: about.account,
      incident: about.kind,
      alert: message.kind,
    };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await channel.send(message, AbortSignal.timeout(timeoutMs));
        this.#sent++;
        logger.info({ ...fields, attempt }, "alert sent");
        return;
      } catch (error) {
        const reason = maskTokens(error instanceof Error ? error.message : String(error));
        if (attempt === attempts) {
          this.#lost++;
          logger.error({ ...fields, attempts, reason }, "alert not delivered; giving up on this message");
          return;
        }
        logger.warn({ ...fields, attempt, reason }, "alert channel failed; retrying");
        await sleep(retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }
}
