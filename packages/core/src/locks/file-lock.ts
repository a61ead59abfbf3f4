import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { AccountLock, LockHandle, LockHolder } from "../account-lock.js";
import { UpstoxTokenError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";

/** proper-lockfile (with graceful-fs) is loaded by the first refresh that takes a lock, not at start. */
let properLockfile: Promise<typeof import("proper-lockfile")> | undefined;
function loadProperLockfile(): Promise<typeof import("proper-lockfile")> {
  properLockfile ??= import("proper-lockfile");
  return properLockfile;
}

/**
 * The lock folder the daemon and the CLI share by default, so a manual `generate-token` and the daemon's
 * 03:35 run of the same account are serialised. UPSTOX_TOKEN_LOCK_DIR moves it (both must agree).
 */
export function defaultLockDir(env: Record<string, string | undefined> = process.env): string {
  const given = env.UPSTOX_TOKEN_LOCK_DIR?.trim();
  if (given) return given;
  let user = "user";
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {}
  return join(tmpdir(), `upstox-token-${user}`, "locks");
}

/**
 * Guards against two processes on one host refreshing the same account: one lock directory per account
 * (proper-lockfile: atomic mkdir, mtime kept fresh while held, taken over when stale after a crash), plus a
 * small holder file saying who took it and when, for the "waiting for …'s lock" message.
 */
export class FileLock implements AccountLock {
  readonly #dir: string;
  readonly #staleMs: number;
  readonly #pollMs: number;
  readonly #logger: Logger;
  readonly #held = new Set<() => Promise<void>>();

  constructor(
    options: { dir?: string | undefined; staleMs?: number; pollMs?: number; logger?: Logger } = {},
  ) {
    this.#dir = options.dir ?? defaultLockDir();
    this.#staleMs = options.staleMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 200;
    this.#logger = options.logger ?? silentLogger;
  }

  get dir(): string {
    return this.#dir;
  }

  async holder(account: string): Promise<LockHolder | null> {
    try {
      const raw = JSON.parse(readFileSync(this.#holderFile(account), "utf8")) as Record<string, unknown>;
      return {
        holder: typeof raw.holder === "string" ? raw.holder.slice(0, 200) : undefined,
        since: typeof raw.since === "number" && Number.isFinite(raw.since) ? raw.since : undefined,
      };
    } catch {
      return null;
    }
  }

  async acquire(
    account: string,
    options: { waitMs: number; signal?: AbortSignal },
  ): Promise<LockHandle | null> {
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
        this.#writeHolder(account);
        this.#held.add(release);
        let released = false;
        return {
          release: async () => {
            if (released) return false;
            released = true;
            this.#held.delete(release);
            rmSync(this.#holderFile(account), { force: true });
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
        if (left <= 0 || options.signal?.aborted) return null;
        await pause(Math.min(this.#pollMs, left), options.signal);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#held].map((release) => release()));
    this.#held.clear();
  }

  #holderFile(account: string): string {
    return join(this.#dir, `${account}.holder.json`);
  }

  #writeHolder(account: string): void {
    try {
      const holder = `pid ${process.pid} on ${hostname()}`;
      writeFileSync(this.#holderFile(account), JSON.stringify({ holder, since: Date.now() }), {
        mode: 0o600,
      });
    } catch {
      // Only the waiting message loses its detail.
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function lockError(message: string, cause: unknown): UpstoxTokenError {
  return new UpstoxTokenError("LOCK_FAILED", `${message}: ${(cause as Error).message}`, {
    cause,
    retryable: true,
    hint: 'Check that the folder is writable, or set lock: { "use": "file", "path": "..." } (UPSTOX_TOKEN_LOCK_DIR for the CLI).',
  });
}
