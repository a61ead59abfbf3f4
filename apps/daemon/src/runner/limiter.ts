/**
 * Runs at most `limit` tasks at once; the rest wait in order. A task that only waits (a backoff, a TOTP window)
 * gives its slot up meanwhile with `yieldWhile`, so one sleeping account never holds the others back.
 */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.#acquire(false);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /**
   * Call only from inside a running task: frees its slot while `wait` runs, then takes one again ahead of tasks
   * that have not started (a login in progress holds a short-lived Upstox session).
   */
  async yieldWhile<T>(wait: () => Promise<T>): Promise<T> {
    this.#release();
    try {
      return await wait();
    } finally {
      await this.#acquire(true);
    }
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  async #acquire(first: boolean): Promise<void> {
    if (this.#active < this.limit) {
      this.#active++;
      return;
    }
    // The releasing task hands its slot straight over, so `active` never exceeds the limit in between.
    await new Promise<void>((resolve) => (first ? this.#queue.unshift(resolve) : this.#queue.push(resolve)));
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#active--;
  }
}
