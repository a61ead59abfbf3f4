import type { Clock } from "../../src/runner/clock.js";

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** A wall clock that moves only when told; timers fire in order as it passes them. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves to `target`, firing each timer at its own time; after each, `settle` runs (e.g. wait for the
   * daemon to be idle) so that work a timer started finishes before time moves on.
   */
  async advanceTo(target: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.#timers.values()) if (!next || timer.at < next.at) next = timer;
      if (!next || next.at > target) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
  }
}
