/** Runs at most `limit` tasks at once; the rest wait in order. */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }

  get active(): number {
    return this.#active;
  }
}
