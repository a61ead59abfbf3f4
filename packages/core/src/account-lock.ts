/** A held lock on one account; released with compare-and-delete so a late holder cannot free another's lock. */
export interface LockHandle {
  release(): Promise<boolean>;
}

/**
 * Serialises refreshes of one account across processes or machines (Redis lock, file lock).
 * `acquire` resolves null when the lock could not be had within `waitMs`.
 */
export interface AccountLock {
  acquire(account: string, options: { waitMs: number }): Promise<LockHandle | null>;
  close?(): Promise<void>;
}
