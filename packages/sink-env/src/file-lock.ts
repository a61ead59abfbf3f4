import type { Logger } from "@upstox-token/core";
import lockfile from "proper-lockfile";

export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for the lock ${lockPath}`);
  }
}

const STALE_MS = 10_000;

/**
 * Runs `fn` while holding an exclusive lock on `target` (proper-lockfile: a `<target>.lock` folder, safe across
 * processes and machines sharing the folder). The target need not exist: the lock is taken on the path as given,
 * without realpath, which fails for a file not yet created. A lock left by a killed writer goes stale after 10 s.
 */
export async function withFileLock<T>(
  target: string,
  timeoutMs: number,
  logger: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  const lockPath = `${target}.lock`;
  const deadline = Date.now() + timeoutMs;
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; !release; attempt++) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        lockfilePath: lockPath,
        stale: STALE_MS,
        retries: 0,
        onCompromised: (error) =>
          logger.warn({ lockPath, error: error.message }, "lock on the .env file was lost"),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      if (Date.now() >= deadline) throw new LockTimeoutError(lockPath, timeoutMs);
      const backoff = Math.min(5 * 2 ** Math.min(attempt, 4), 50);
      await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * backoff));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch((error: Error) =>
      logger.warn({ lockPath, error: error.message }, "could not release the lock on the .env file"),
    );
  }
}
