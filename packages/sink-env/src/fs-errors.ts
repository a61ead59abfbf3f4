interface FsErrorDescription {
  reason: string;
  hint: string | undefined;
  retryable: boolean;
}

const known: Record<string, [reason: string, hint: string | undefined, retryable: boolean]> = {
  ENOENT: ["the folder does not exist", "Create the folder, or fix the path.", false],
  ENOTDIR: ["a part of the path is not a folder", "Fix the path.", false],
  EACCES: [
    "permission denied",
    "Give the user running upstox-token write access to the folder and the file.",
    false,
  ],
  EPERM: ["operation not permitted", "Check the file's owner and attributes (e.g. chattr +i).", false],
  EROFS: ["the file system is read-only", "Write to a folder on a writable file system.", false],
  EISDIR: ["it is a folder", "Point path at a file, not a folder.", false],
  ENOSPC: ["the disk is full", "Free some disk space.", true],
  EDQUOT: ["the disk quota is exceeded", "Free some space or raise the quota.", true],
  EBUSY: ["the file is busy", undefined, true],
  EMFILE: ["too many open files", undefined, true],
};

/** Turns an fs error into words for a SinkError. Paths are not secret; the file's contents never appear. */
export function describeFsError(error: unknown): FsErrorDescription {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  const entry = known[code];
  if (entry) return { reason: entry[0], hint: entry[1], retryable: entry[2] };
  return { reason: error instanceof Error ? error.message : String(error), hint: undefined, retryable: true };
}
