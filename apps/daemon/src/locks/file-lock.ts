import { mkdirSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import {
  type AccountLock,
  type LockHandle,
  type Logger,
  silentLogger,
  UpstoxTokenError,
} from "@upstox-token/core";

/** proper-lockfile (with graceful-fs) is loaded by the first login that takes a lock, not at start. */
let properLockfile: Promise<typeof import("proper-lockfile")> | undefined;
function loadProperLockfile(): Promise<typeof import("proper-lockfile")> {
  properLockfile ??= import("proper-lockfile");
  return properLockfile;
}

export function defaultLockDir(): string {
  let user = "user";
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {}
  return join(tmpdir(), `upstox-token-${user}`, "locks");
}

/**
 * Guards against two daemons on one host refreshing the same account: one lock directory per account
 * (proper-lockfile: atomic mkdir, mtime kept fresh while held, taken over when stale after a crash).
 */
export class FileLock implements AccountLock {
  readonly #dir: string;
  readonly #staleMs: number;
  readonly #logger: Logger;
  readonly #held = new Set<() => Promise<void>>();

  constructor(options: { dir?: string | undefined; staleMs?: number; logger?: Logger } = {}) {
    this.#dir = options.dir ?? defaultLockDir();
    this.#staleMs = options.staleMs ?? 30_000;
    this.#logger = options.logger ?? silentLogger;
  }

  get dir(): string {
    return this.#dir;
  }

  async acquire(account: string, options: { waitMs: number }): Promise<LockHandle | null> {
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw lockError(`cannot create the lock folder ${this.#dir}`, error);
    }
    const target = join(this.#dir, account);
    const lockfile = await loadProperLockfile();
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      try {
        const release = await lockfile.lock(target, {
          realpath: false,
          stale: this.#staleMs,
          lockfilePath: `${target}.lock`,
          onCompromised: (error) =>
            this.#logger.warn({ account, err: error.message }, "file lock compromised (taken over as stale)"),
        });
        this.#held.add(release);
        let released = false;
        return {
          release: async () => {
            if (released) return false;
            released = true;
            this.#held.delete(release);
            try {
              await release();
              return true;
            } catch {
              return false;
            }
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ELOCKED")
          throw lockError(`cannot lock ${target}`, error);
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise((r) => setTimeout(r, Math.min(200, left)));
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#held].map((release) => release()));
    this.#held.clear();
  }
}

function lockError(message: string, cause: unknown): UpstoxTokenError {
  return new UpstoxTokenError("LOCK_FAILED", `${message}: ${(cause as Error).message}`, {
    cause,
    retryable: true,
    hint: 'Check that the folder is writable by the daemon, or set lock: { "use": "file", "path": "..." }.',
  });
}
