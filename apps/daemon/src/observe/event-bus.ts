import type { RefreshEvent } from "@upstox-token/core";

/** The daemon's own event, beside the engine's: when an account's next cycle runs. */
export interface ScheduledEvent {
  type: "scheduled";
  account: string;
  nextRunAt: number;
  at: number;
}

/**
 * What the daemon's listeners (status page, metrics, notifications, schedule log) hear: core's RefreshEvent as
 * the engine emitted it, plus `scheduled`. No second vocabulary: a listener reads the engine's own events.
 */
export type DaemonEvent = RefreshEvent | ScheduledEvent;

export type DaemonListener = (event: DaemonEvent) => void | Promise<void>;

/** A tiny typed emitter whose listeners can never throw into the runner. */
export class DaemonEvents {
  readonly #listeners = new Set<DaemonListener>();
  #onListenerError: (error: unknown, event: DaemonEvent) => void = () => {};

  on(listener: DaemonListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onListenerError(handler: (error: unknown, event: DaemonEvent) => void): void {
    this.#onListenerError = handler;
  }

  /** Calls every listener; async listeners run detached and their failures are only reported. */
  emit(event: DaemonEvent): void {
    for (const listener of this.#listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerError(error, event));
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
