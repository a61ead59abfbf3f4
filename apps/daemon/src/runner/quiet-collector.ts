/**
 * After a burst of refreshes the daemon sleeps until the next day's run. Once no refresh cycle has run for
 * `quietMs`, one full garbage collection lets the runtime give the burst's garbage back to the system instead
 * of carrying it until tomorrow. One collection per quiet spell, never during a burst.
 */
export interface QuietTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Real time, not the injectable clock (this is about process memory), and never what keeps a process alive. */
const realTimers: QuietTimers = {
  set: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class QuietCollector {
  readonly #collect: () => void;
  readonly #quietMs: number;
  readonly #timers: QuietTimers;
  #timer: unknown;

  constructor(options: { collect?: () => void; quietMs?: number; timers?: QuietTimers } = {}) {
    this.#collect = options.collect ?? fullCollection;
    this.#quietMs = options.quietMs ?? 5_000;
    this.#timers = options.timers ?? realTimers;
  }

  /** A cycle started: no collection while work is going on. */
  busy(): void {
    this.stop();
  }

  /** The last cycle ended: collect once if nothing starts within `quietMs`. */
  quiet(): void {
    this.stop();
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      this.#collect();
    }, this.#quietMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
  }
}

/** A full, synchronous collection: Bun.gc(true) under Bun, global.gc under `node --expose-gc`, else nothing. */
export function fullCollection(): void {
  const runtime = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (runtime.Bun) runtime.Bun.gc(true);
  else runtime.gc?.();
}
