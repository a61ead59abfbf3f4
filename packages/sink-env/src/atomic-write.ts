import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const TEMP_TAG = ".upstox-token-";

/** A temp file name in the target's folder, recognisable so a crashed writer's leftovers can be removed. */
export function tempPathFor(target: string, purpose: "write" | "check"): string {
  const id = `${process.pid}-${randomBytes(6).toString("hex")}`;
  return join(dirname(target), `.${basename(target)}${TEMP_TAG}${purpose}-${id}.tmp`);
}

/**
 * Removes temp files a killed writer left behind. Only safe while holding the file's lock: writers create
 * temp files only under the lock, so none of them is in use.
 */
export async function removeLeftoverTempFiles(target: string): Promise<void> {
  const prefix = `.${basename(target)}${TEMP_TAG}write-`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith(".tmp"))
      .map((name) => rm(join(dirname(target), name), { force: true })),
  );
}

export interface AtomicWriteOptions {
  mode: number;
  /** Give the new file this owner (the old file's); skipped where not permitted. */
  owner?: { uid: number; gid: number } | undefined;
}

/**
 * Replaces `target` with `data` so a reader (or a crash) sees either the old file or the new one, never a part:
 * temp file in the same folder, mode set before any byte is written, fsync, rename, fsync the folder.
 */
export async function writeFileAtomic(
  target: string,
  data: string,
  options: AtomicWriteOptions,
): Promise<void> {
  const temp = tempPathFor(target, "write");
  const handle = await open(temp, "wx", options.mode);
  try {
    // open() applies the umask; chmod does not, so the mode asked for is the mode we get.
    await handle.chmod(options.mode);
    if (options.owner) await handle.chown(options.owner.uid, options.owner.gid).catch(ignoreNotPermitted);
    await handle.writeFile(data, "utf8");
    await handle.sync();
    await handle.close();
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dirname(target));
}

function ignoreNotPermitted(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPERM" && error.code !== "EINVAL") throw error;
}

/** Makes the rename durable. Some platforms (Windows) cannot open a folder; the rename is still atomic there. */
async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!["EISDIR", "EPERM", "EINVAL", "EBADF", "EACCES"].includes(code ?? "")) throw error;
  } finally {
    await handle?.close();
  }
}
