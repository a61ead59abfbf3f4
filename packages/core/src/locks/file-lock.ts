import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AccountLock, LockHandle, LockHolder } from "../account-lock.js";
import { UpstoxTokenError } from "../errors.js";
import { defaultStateDir } from "../flows/endpoint-memory.js";
import { type Logger, silentLogger } from "../logger.js";
import { stateLayout } from "../state/state-layout.js";
import { isProcessAlive } from "./process-alive.js";

/** proper-lockfile (with graceful-fs) is loaded by the first refresh that takes a lock, not at start. */
let properLockfile: Promise<typeof import("proper-lockfile")> | undefined;
function loadProperLockfile(): Promise<typeof import("proper-lockfile")> {
  properLockfile ??= import("proper-lockfile");
  return properLockfile;
}

/**
 * The lock folder the daemon and the CLI share by default, so a manual `generate-token` and the daemon's
 * 03:35 run of the same Upstox user are serialised: `<state>/locks` (the state folder, not a private /tmp a
 * service unit may not share). UPSTOX_TOKEN_LOCK_DIR moves it (both must agree).
 */
export function defaultLockDir(env: Record<string, string | undefined> = process.env): string {
  const given = env.UPSTOX_TOKEN_LOCK_DIR?.trim();
  if (given) return given;
  return stateLayout.lockDir(defaultStateDir(env));
}

/**
 * Guards against two processes on one host refreshing the same account: one lock directory per key (the
 * shells pass the Upstox user's `userKey`; proper-lockfile: atomic mkdir, mtime kept fresh while held, taken
 * over when stale after a crash), plus a small holder file saying who took it and when (pid and host), for the
 * "waiting for …'s lock" message and so a lock whose holder died on this host is taken over at once.
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
        if (this.#takeOverFromDeadHolder(account, target)) continue;
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

  /**
   * A holder that is a process of this host which no longer exists (`kill(pid, 0)` says ESRCH) cannot release
   * its lock: it is removed now instead of being waited out until stale. The holder file is first renamed away
   * (one taker wins) and checked again, so a live holder's lock is never removed.
   */
  #takeOverFromDeadHolder(account: string, target: string): boolean {
    const file = this.#holderFile(account);
    const before = readOwner(file);
    if (!before || before.host !== hostname() || before.pid === process.pid || isProcessAlive(before.pid))
      return false;
    const aside = `${file}.${process.pid}.takeover`;
    try {
      renameSync(file, aside);
    } catch {
      return false; // another process took it over first
    }
    const taken = readOwner(aside);
    if (!taken || taken.host !== hostname() || isProcessAlive(taken.pid)) {
      try {
        renameSync(aside, file);
      } catch {}
      return false;
    }
    rmSync(aside, { force: true });
    rmSync(`${target}.lock`, { recursive: true, force: true });
    this.#logger.warn(
      { account, holder: `${taken.pid}@${taken.host}` },
      "file lock held by a process that no longer exists on this host: taken over",
    );
    return true;
  }

  #writeHolder(account: string): void {
    try {
      const holder = `pid ${process.pid} on ${hostname()}`;
      const owner = `${process.pid}@${hostname()}`;
      writeFileSync(this.#holderFile(account), JSON.stringify({ holder, owner, since: Date.now() }), {
        mode: 0o600,
      });
    } catch {
      // Only the waiting message loses its detail.
    }
  }
}

/** The pid and host in a holder file's `owner` ("pid@host"), or null. */
function readOwner(file: string): { pid: number; host: string } | null {
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const match = typeof raw.owner === "string" ? /^(\d+)@(.+)$/.exec(raw.owner) : null;
    if (!match) return null;
    return { pid: Number(match[1]), host: match[2]! };
  } catch {
    return null;
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
