import { describe, expect, test } from "bun:test";
import { Secret, type TokenRecord, UpstoxTokenError } from "@upstox-token/core";
import { AccountBoard } from "../src/http/status-page/account-board.js";
import { accountsReport } from "../src/http/status-page/account-view.js";
import { renderStatusPage } from "../src/http/status-page/page-html.js";
import type { AccountStatus } from "../src/observe/account-status.js";
import { DaemonEvents } from "../src/observe/event-bus.js";

const NOW = Date.parse("2026-11-24T02:45:00+05:30");
const EXPIRY = Date.parse("2026-11-24T03:30:00+05:30");
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.c2VjcmV0LXNpZ25hdHVyZQ";

function status(account: string, patch: Partial<AccountStatus> = {}): AccountStatus {
  return {
    account,
    expiresAt: EXPIRY + 86_400_000,
    lastRefreshAt: NOW - 60_000,
    lastError: null,
    nextRunAt: null,
    logins: 1,
    failures: 0,
    ...patch,
  };
}

function record(account: string): TokenRecord {
  return {
    account,
    accessToken: new Secret(TOKEN),
    profile: { userId: "AB1234", userName: "A <b>User</b>" },
    issuedAt: NOW,
    expiresAt: EXPIRY + 86_400_000,
    source: "totp",
    generation: 2,
  };
}

describe("the status page's states", () => {
  test("valid, expiring soon, refreshing, failed, needs attention and waiting, from the daemon's events", () => {
    const events = new DaemonEvents();
    const board = new AccountBoard(events, () => ["env:.env", "redis"]);
    const wrongPin = new UpstoxTokenError("WRONG_PIN", "wrong PIN", { hint: "fix the PIN" });
    const network = new UpstoxTokenError("NETWORK", "timed out", { retryable: true });
    events.emit({ type: "refreshing", account: "ok", attempt: 1, at: NOW });
    events.emit({ type: "sink-failed", account: "ok", sink: "redis", error: network, at: NOW });
    events.emit({
      type: "stored",
      account: "ok",
      record: record("ok"),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    events.emit({ type: "refreshing", account: "busy", attempt: 1, at: NOW });
    events.emit({
      type: "retrying",
      account: "busy",
      error: network,
      attempt: 1,
      delayMs: 1_000,
      at: NOW,
    });
    events.emit({
      type: "failed",
      account: "down",
      error: network,
      attempt: 5,
      reason: "r",
      permanent: false,
      at: NOW,
    });
    events.emit({
      type: "failed",
      account: "pin",
      error: wrongPin,
      attempt: 1,
      reason: "r",
      permanent: true,
      at: NOW,
    });
    const failedStatus = { code: "NETWORK", message: "timed out", at: NOW };
    const report = accountsReport(
      [
        status("ok"),
        status("soon", { expiresAt: EXPIRY }),
        status("busy", { expiresAt: null }),
        status("down", { expiresAt: null, lastError: failedStatus }),
        status("pin", { expiresAt: null, lastError: { ...failedStatus, code: "WRONG_PIN" } }),
        status("new", { expiresAt: null, lastRefreshAt: null }),
      ],
      board,
      () => "totp",
      NOW,
    );
    const states = Object.fromEntries(report.accounts.map((a) => [a.account, a.state]));
    expect(states).toEqual({
      ok: "valid",
      soon: "expiring-soon",
      busy: "refreshing",
      down: "failed",
      pin: "needs-attention",
      new: "waiting",
    });
    const ok = report.accounts[0];
    expect(ok?.last_refresh).toMatchObject({ attempts: 1, logged_in: true, user_id: "AB1234" });
    expect(ok?.sinks).toEqual([
      { name: "env:.env", state: "ok", at: expect.stringMatching(/\+05:30$/), error: null },
      { name: "redis", state: "failed", at: expect.stringMatching(/\+05:30$/), error: "timed out" },
    ]);
    expect(report.accounts[1]?.seconds_until_expiry).toBe(45 * 60);

    // The page embeds the report as inert JSON: markup in a name cannot escape it, and no token is in it.
    const page = renderStatusPage(report);
    expect(page.html).not.toContain("<b>User</b>");
    expect(page.html).toContain("\\u003cb>User\\u003c/b>");
    expect(page.html).not.toContain(TOKEN);
    expect(page.csp).toContain("connect-src 'self'");
  });
});
