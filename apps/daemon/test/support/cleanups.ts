import { afterEach } from "bun:test";
import { tempDir } from "./helpers.js";

export type Cleanup = () => void | Promise<void>;

/**
 * A list a test pushes its cleanups to (stop a daemon, remove a folder). After each test they run newest first,
 * then `after` (e.g. reset the shared emulator).
 */
export function cleanupsAfterEach(after: () => void = () => {}): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    after();
  });
  return cleanups;
}

/** A fresh temp folder, removed by `cleanups` after the test. */
export function trackedTempDir(cleanups: Cleanup[], prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}
