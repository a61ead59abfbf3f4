import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LastRefresh, parseLastRefresh, readLastRefresh, writeLastRefresh } from "../src/index.js";

const entry: LastRefresh = {
  version: 1,
  account: "main",
  refreshedAt: 1_700_000_000_000,
  cause: "schedule",
  loggedIn: true,
  attempts: 1,
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_050_000_000,
  checkedAt: 1_700_000_001_000,
  sinks: { "sqlite:tokens.db": { state: "ok", at: 1_700_000_001_000, error: null } },
};

test("last-refresh.json: written 0600 in a 0700 folder, read back; a torn or foreign file reads as nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "core-last-refresh-"));
  try {
    const file = join(dir, "users", "k", "last-refresh.json");
    await writeLastRefresh(file, entry);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "users", "k")).mode & 0o777).toBe(0o700);
    expect(await readLastRefresh(file)).toEqual(entry);

    writeFileSync(file, JSON.stringify(entry).slice(0, 40));
    expect(await readLastRefresh(file)).toBeNull();
    expect(await readLastRefresh(join(dir, "missing.json"))).toBeNull();
    expect(parseLastRefresh(JSON.stringify({ ...entry, version: 2 }))).toBeNull();
    expect(parseLastRefresh(JSON.stringify({ ...entry, cause: "whim" }))).toBeNull();
    expect(
      parseLastRefresh(JSON.stringify({ ...entry, sinks: { x: { state: "maybe", at: 1, error: null } } })),
    ).toBeNull();
    expect(parseLastRefresh(JSON.stringify({ ...entry, cause: "unknown" }))?.cause).toBe("unknown");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a token stored by hand: cause manual, the command as note, each sink's state; read back by the daemon's reader", async () => {
  const { recordManualStore, stateLayout } = await import("../src/internal.js");
  const dir = mkdtempSync(join(tmpdir(), "core-last-refresh-manual-"));
  try {
    const file = await recordManualStore(dir, "k", {
      account: "default",
      record: { issuedAt: 1_700_000_000_000, expiresAt: 1_700_050_000_000 },
      attempts: 0,
      sinks: [
        { sink: "sqlite:tokens.db", ok: true },
        { sink: "redis:upstox", ok: false, error: { message: "connection refused" } },
      ],
      command: "upstox-token login",
      now: 1_700_000_002_000,
    });
    expect(file).toBe(stateLayout.lastRefresh(dir, "k"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = await readLastRefresh(file);
    expect(saved).toMatchObject({ cause: "manual", note: "upstox-token login", loggedIn: true, attempts: 1 });
    expect(saved?.sinks).toEqual({
      "sqlite:tokens.db": { state: "ok", at: 1_700_000_002_000, error: null },
      "redis:upstox": { state: "failed", at: 1_700_000_002_000, error: "connection refused" },
    });
    expect(parseLastRefresh(JSON.stringify({ ...entry, note: 7 }))).toBeNull();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
