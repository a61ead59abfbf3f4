import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Preloaded by bunfig.toml: every test (and every daemon or CLI it spawns with process.env) gets its own state
// and lock folders, so nothing else on the machine (a running daemon, another test run) can fail it, and no
// test writes into the machine user's ~/.local/state/upstox-token.
const root = mkdtempSync(join(tmpdir(), "daemon-tests-state-"));
process.env.UPSTOX_STATE_DIR ||= join(root, "state");
process.env.UPSTOX_TOKEN_LOCK_DIR ||= join(root, "locks");
