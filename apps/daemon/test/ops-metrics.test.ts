import { describe, expect, test } from "bun:test";
import { Secret, UpstoxTokenError } from "@upstox-token/core";
import type { AccountStatus } from "../src/observe/account-status.js";
import { DaemonEvents } from "../src/observe/event-bus.js";
import { createMetrics, escapeLabelValue } from "../src/observe/metrics.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.c2VjcmV0LXNpZ25hdHVyZQ";
const NOW = Date.parse("2026-11-23T10:00:00+05:30");
const EXPIRES = Date.parse("2026-11-24T03:30:00+05:30");

function record(account: string) {
  return {
    account,
    generation: 1,
    accessToken: new Secret(TOKEN),
    profile: { userId: "DEMO01" },
    issuedAt: NOW,
    expiresAt: EXPIRES,
    source: "totp" as const,
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the 0.0.4 text format: every line is HELP, TYPE or a well-formed sample. */
function parseExposition(text: string): {
  samples: Sample[];
  types: Map<string, string>;
  helps: Map<string, string>;
} {
  expect(text.endsWith("\n")).toBe(true);
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      helps.set(m[1]!, m[2]!);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      expect(types.has(m[1]!)).toBe(false);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let consumed = 0;
      for (let lm = re.exec(m[3]); lm !== null; lm = re.exec(m[3])) {
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        consumed = re.lastIndex;
      }
      expect(consumed).toBe(m[3].length);
    }
    const name = m[1]!;
    expect(types.has(name)).toBe(true);
    const value = Number(m[4]);
    expect(Number.isNaN(value)).toBe(false);
    samples.push({ name, labels, value });
  }
  return { samples, types, helps };
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
}

describe("createMetrics", () => {
  test("counts logins, failures by code and sink failures; gauges come from status()", () => {
    const events = new DaemonEvents();
    let clock = NOW;
    const status: AccountStatus[] = [
      {
        account: "alice",
        expiresAt: EXPIRES,
        lastRefreshAt: NOW - 60_000,
        lastError: null,
        nextRunAt: null,
        logins: 2,
        failures: 0,
      },
      {
        account: "bob",
        expiresAt: null,
        lastRefreshAt: null,
        lastError: null,
        nextRunAt: null,
        logins: 0,
        failures: 1,
      },
    ];
    const metrics = createMetrics(
      events,
      () => status,
      () => clock,
    );

    events.emit({
      type: "stored",
      account: "alice",
      record: record("alice"),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    events.emit({
      type: "stored",
      account: "alice",
      record: record("alice"),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    // Re-reading another instance's token is not a login.
    events.emit({
      type: "stored",
      account: "alice",
      record: record("alice"),
      loggedIn: false,
      attempts: 0,
      at: NOW,
    });
    const wrongPin = new UpstoxTokenError("WRONG_PIN", "wrong PIN", { upstoxCode: "1017106" });
    events.emit({
      type: "failed",
      account: "bob",
      error: wrongPin,
      attempt: 1,
      reason: "r",
      permanent: true,
      at: NOW,
    });
    events.emit({
      type: "retrying",
      account: "bob",
      error: new UpstoxTokenError("TIMEOUT", "t"),
      attempt: 1,
      delayMs: 1_000,
      at: NOW,
    });
    events.emit({
      type: "retrying",
      account: "bob",
      error: new UpstoxTokenError("TIMEOUT", "t"),
      attempt: 2,
      delayMs: 1_000,
      at: NOW,
    });
    events.emit({
      type: "sink-failed",
      account: "alice",
      sink: "redis",
      error: new UpstoxTokenError("SINK_FAILED", "down"),
      at: NOW,
    });

    const text = metrics.render();
    expect(text).not.toContain(TOKEN);
    const { samples, types, helps } = parseExposition(text);
    expect(Object.fromEntries(types)).toEqual({
      upstox_token_logins_total: "counter",
      upstox_token_login_failures_total: "counter",
      upstox_token_sink_failures_total: "counter",
      upstox_token_seconds_until_expiry: "gauge",
      upstox_token_last_success_timestamp_seconds: "gauge",
    });
    for (const name of types.keys()) expect(helps.get(name)?.length).toBeGreaterThan(10);

    expect(value(samples, "upstox_token_logins_total", { account: "alice" })).toBe(2);
    // Known accounts exist at 0 so rate() sees the first login.
    expect(value(samples, "upstox_token_logins_total", { account: "bob" })).toBe(0);
    expect(value(samples, "upstox_token_login_failures_total", { account: "bob", code: "WRONG_PIN" })).toBe(
      1,
    );
    expect(value(samples, "upstox_token_login_failures_total", { account: "bob", code: "TIMEOUT" })).toBe(2);
    expect(value(samples, "upstox_token_sink_failures_total", { sink: "redis" })).toBe(1);
    expect(value(samples, "upstox_token_seconds_until_expiry", { account: "alice" })).toBe(
      (EXPIRES - NOW) / 1000,
    );
    expect(value(samples, "upstox_token_seconds_until_expiry", { account: "bob" })).toBeUndefined();
    expect(value(samples, "upstox_token_last_success_timestamp_seconds", { account: "alice" })).toBe(
      (NOW - 60_000) / 1000,
    );

    // The gauge follows the clock at scrape time and stops at 0 once expired.
    clock = EXPIRES - 1_500;
    expect(
      value(parseExposition(metrics.render()).samples, "upstox_token_seconds_until_expiry", {
        account: "alice",
      }),
    ).toBe(1);
    clock = EXPIRES + 3_600_000;
    expect(
      value(parseExposition(metrics.render()).samples, "upstox_token_seconds_until_expiry", {
        account: "alice",
      }),
    ).toBe(0);
  });

  test("label values are escaped and read back unchanged", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const events = new DaemonEvents();
    const odd = 'weird "name"\\with\nnewline';
    const metrics = createMetrics(events, () => []);
    events.emit({
      type: "stored",
      account: odd,
      record: record(odd),
      loggedIn: true,
      attempts: 1,
      at: NOW,
    });
    const { samples } = parseExposition(metrics.render());
    expect(value(samples, "upstox_token_logins_total", { account: odd })).toBe(1);
  });

  test("with nothing happened yet, every family still has HELP and TYPE and the output parses", () => {
    const metrics = createMetrics(new DaemonEvents(), () => []);
    const { samples, types } = parseExposition(metrics.render());
    expect(samples).toEqual([]);
    expect(types.size).toBe(5);
  });
});
