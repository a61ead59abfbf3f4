/**
 * After a burst of refreshes the daemon sleeps until the next day's run. Once no refresh cycle has run for
 * `quietMs`, one full garbage collection lets the runtime give the burst's garbage back to the system instead
 * of carrying it until tomorrow. One collection per quiet spell, never during a burst.
 */
export class QuietCollector {
  readonly #collect: () => void;
  readonly #quietMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { collect?: () => void; quietMs?: number } = {}) {
    this.#collect = options.collect ?? fullCollection;
    this.#quietMs = options.quietMs ?? 5_000;
  }

  /** A cycle started: no collection while work is going on. */
  busy(): void {
    this.stop();
  }

  /** The last cycle ended: collect once if nothing starts within `quietMs`. */
  quiet(): void {
    this.stop();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#collect();
    }, this.#quietMs);
    // Real time, not the injectable clock (this is about process memory), and never what keeps a process alive.
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** A full, synchronous collection: Bun.gc(true) under Bun, global.gc under `node --expose-gc`, else nothing. */
export function fullCollection(): void {
  const runtime = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (runtime.Bun) runtime.Bun.gc(true);
  else runtime.gc?.();
}
