/**
 * Whether a process of this host exists: `kill(pid, 0)` sends nothing and fails with ESRCH only when there is
 * no such process (EPERM means it exists but belongs to another user).
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
