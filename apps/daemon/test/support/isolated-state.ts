import { beforeEach } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every test gets its own state folder (and so its own default lock folder, <state>/locks): a refused PIN, a
// rate limit or a lock that one test leaves for the demo user cannot reach another test, nor the developer's
// own ~/.local/state/upstox-token. A test that sets UPSTOX_STATE_DIR or UPSTOX_TOKEN_LOCK_DIR itself wins.
const root = mkdtempSync(join(tmpdir(), "upstox-test-state-"));
let n = 0;
process.env.UPSTOX_STATE_DIR = join(root, "file");
beforeEach(() => {
  process.env.UPSTOX_STATE_DIR = join(root, String(++n));
});
