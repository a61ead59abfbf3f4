import type { Clock } from "./clock.js";

/**
 * One timer for all accounts: it sleeps until the earliest due run, but never longer than `maxSleepMs`, and
 * re-reads the wall clock each time it wakes. A laptop that slept through 03:35 therefore runs the job within
 * `maxSleepMs` of waking (croner alone would not catch up), and there is no busy polling in between.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #onDue: (accounts: string[]) => void;
  readonly #maxSleepMs: number;
  readonly #due = new Map<string, number>();
  #timer: unknown;
  #armed = false;
  #stopped = true;

  constructor(options: { clock: Clock; onDue: (accounts: string[]) => void; maxSleepMs?: number }) {
    this.#clock = options.clock;
    this.#onDue = options.onDue;
    this.#maxSleepMs = options.maxSleepMs ?? 5 * 60_000;
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  /** Sets (or with null clears) the account's next run. */
  set(account: string, at: number | null): void {
    if (at === null) this.#due.delete(account);
    else this.#due.set(account, at);
    this.#arm();
  }

  get(account: string): number | null {
    return this.#due.get(account) ?? null;
  }

  clear(): void {
    this.#due.clear();
    this.#disarm();
  }

  #disarm(): void {
    if (this.#armed) this.#clock.clearTimer(this.#timer);
    this.#armed = false;
  }

  #arm(): void {
    this.#disarm();
    if (this.#stopped || this.#due.size === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of this.#due.values()) earliest = Math.min(earliest, at);
    const delay = Math.max(0, Math.min(earliest - this.#clock.now(), this.#maxSleepMs));
    this.#timer = this.#clock.setTimer(() => this.#tick(), delay);
    this.#armed = true;
  }

  #tick(): void {
    this.#armed = false;
    if (this.#stopped) return;
    const now = this.#clock.now();
    const due: string[] = [];
    for (const [account, at] of this.#due) {
      if (at <= now) {
        due.push(account);
        this.#due.delete(account);
      }
    }
    if (due.length > 0) this.#onDue(due);
    this.#arm();
  }
}
