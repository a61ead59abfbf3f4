import { afterEach, describe, expect, test } from "bun:test";
import { Agent, request } from "node:http";
import { Secret, UpstoxTokenError } from "@upstox-token/core";
import { type StatusServer, startStatusServer } from "../src/http/status-server.js";
import type { AccountStatus } from "../src/observe/account-status.js";
import { DaemonEvents } from "../src/observe/event-bus.js";
import { createMetrics } from "../src/observe/metrics.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.c2VjcmV0LXNpZ25hdHVyZQ";
const T0 = Date.parse("2026-11-23T09:00:00+05:30");
const EXPIRY = Date.parse("2026-11-24T03:30:00+05:30");

let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function account(name: string, patch: Partial<AccountStatus> = {}): AccountStatus {
  return {
    account: name,
    expiresAt: EXPIRY,
    lastRefreshAt: T0,
    lastError: null,
    nextRunAt: EXPIRY + 5 * 60_000,
    logins: 1,
    failures: 0,
    ...patch,
  };
}

async function get(url: string, method = "GET") {
  const response = await fetch(url, { method });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("startStatusServer", () => {
  test("/healthz is 200 while every token is valid and 503 when one is missing or expired", async () => {
    let clock = T0;
    const accounts = [account("alice"), account("bob", { expiresAt: null, lastRefreshAt: null })];
    server = await startStatusServer({
      port: 0,
      status: () => accounts,
      metrics: () => "",
      now: () => clock,
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // bob has no token yet: unhealthy.
    let res = await get(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(res.type).toContain("application/json");
    let body = JSON.parse(res.text);
    expect(body.ok).toBe(false);
    expect(body.accounts.map((a: { account: string; valid: boolean }) => [a.account, a.valid])).toEqual([
      ["alice", true],
      ["bob", false],
    ]);

    // bob refreshes: healthy, with IST times and seconds left.
    accounts[1] = account("bob");
    res = await get(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    body = JSON.parse(res.text);
    expect(body.ok).toBe(true);
    expect(body.now).toBe("2026-11-23T09:00:00.000+05:30");
    expect(body.accounts[0]).toEqual({
      account: "alice",
      valid: true,
      expires_at: "2026-11-24T03:30:00.000+05:30",
      seconds_until_expiry: (EXPIRY - T0) / 1000,
      last_refresh_at: "2026-11-23T09:00:00.000+05:30",
      last_error: null,
      next_run_at: "2026-11-24T03:35:00.000+05:30",
    });

    // 03:30 IST passes without a refresh: unhealthy again; a HEAD probe sees the same status.
    clock = EXPIRY;
    expect((await get(`${server.url}/healthz`)).status).toBe(503);
    expect((await get(`${server.url}/healthz`, "HEAD")).status).toBe(503);
    clock = EXPIRY - 1;
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });

  test("the last error is shown with its codes and hint, never a token", async () => {
    const error = new UpstoxTokenError("WRONG_PIN", `PIN rejected for token ${TOKEN}`, {
      hint: "Check UPSTOX_PIN_CODE; Upstox locks the account after about five wrong PINs.",
      upstoxCode: "1017106",
    });
    const accounts = [
      account("carol", {
        expiresAt: T0 - 1,
        lastError: {
          code: error.code,
          message: error.message,
          hint: error.hint,
          upstoxCode: error.upstoxCode,
          at: T0,
        },
      }),
    ];
    server = await startStatusServer({ port: 0, status: () => accounts, metrics: () => "", now: () => T0 });
    const res = await get(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(res.text).not.toContain(TOKEN);
    const body = JSON.parse(res.text);
    expect(body.accounts[0].seconds_until_expiry).toBe(0);
    expect(body.accounts[0].last_error).toEqual({
      code: "WRONG_PIN",
      message: "PIN rejected for token ***",
      hint: "Check UPSTOX_PIN_CODE; Upstox locks the account after about five wrong PINs.",
      upstox_code: "1017106",
      at: "2026-11-23T09:00:00.000+05:30",
    });
  });

  test("/metrics serves the Prometheus text format from the real metrics module", async () => {
    const events = new DaemonEvents();
    const accounts = [account("alice")];
    const metrics = createMetrics(
      events,
      () => accounts,
      () => T0,
    );
    events.emit({
      type: "stored",
      account: "alice",
      record: {
        account: "alice",
        generation: 1,
        accessToken: new Secret(TOKEN),
        profile: { userId: "X" },
        issuedAt: T0,
        expiresAt: EXPIRY,
        source: "totp",
      },
      loggedIn: true,
      attempts: 1,
      at: T0,
    });
    server = await startStatusServer({
      port: 0,
      status: () => accounts,
      metrics: metrics.render,
      now: () => T0,
    });
    const res = await get(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toStartWith("text/plain; version=0.0.4");
    expect(res.text).toContain('upstox_token_logins_total{account="alice"} 1\n');
    expect(res.text).toContain(
      `upstox_token_seconds_until_expiry{account="alice"} ${(EXPIRY - T0) / 1000}\n`,
    );
    expect(res.text).not.toContain(TOKEN);
  });

  test("unknown paths are 404, other methods 405, and a throwing status() is a 500, not a hang", async () => {
    let broken = false;
    server = await startStatusServer({
      port: 0,
      status: () => {
        if (broken) throw new Error("runner state unavailable");
        return [];
      },
      metrics: () => "",
    });
    expect((await get(`${server.url}/`)).status).toBe(404);
    expect((await get(`${server.url}/healthz/extra`)).status).toBe(404);
    expect((await get(`${server.url}/metrics`, "POST")).status).toBe(405);
    // No accounts at all: nothing is expired.
    expect((await get(`${server.url}/healthz?verbose=1`)).status).toBe(200);
    broken = true;
    const res = await get(`${server.url}/healthz`);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).error).toBe("runner state unavailable");
  });

  test("listens on 127.0.0.1 by default and close() ends kept-alive connections", async () => {
    server = await startStatusServer({ port: 0, status: () => [], metrics: () => "" });
    const { port } = new URL(server.url);
    // A keep-alive client holds a socket open; close() must still resolve promptly.
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: Number(port), path: "/healthz", agent: new Agent({ keepAlive: true }) },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", reject);
      req.end();
    });
    const started = Date.now();
    await server.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
