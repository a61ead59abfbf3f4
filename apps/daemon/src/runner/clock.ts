/**
 * Wall-clock time and timers, injectable so tests can run a day of schedule in milliseconds. Only the
 * scheduler's waits and the token-validity checks use it; request pacing measures real elapsed time.
 */
export interface Clock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A sleep on the given clock that an AbortSignal cuts short (it then resolves; callers check the signal). */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimer(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const handle = clock.setTimer(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
