/** A held lock on one account; released with compare-and-delete so a late holder cannot free another's lock. */
export interface LockHandle {
  release(): Promise<boolean>;
}

/** Who holds an account's lock, as far as the lock can tell. */
export interface LockHolder {
  /** e.g. "pid 4242 on host-a". */
  holder?: string | undefined;
  /** Epoch ms the lock was taken. */
  since?: number | undefined;
}

/**
 * Serialises refreshes of one account across processes or machines (Redis lock, file lock).
 * `acquire` resolves null when the lock could not be had within `waitMs` (0: one try), or once `signal` aborts.
 */
export interface AccountLock {
  acquire(account: string, options: { waitMs: number; signal?: AbortSignal }): Promise<LockHandle | null>;
  /** Who holds the account's lock now, or null when it is free or unknown. */
  holder?(account: string): Promise<LockHolder | null>;
  close?(): Promise<void>;
}
