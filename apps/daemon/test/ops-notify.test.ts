import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, Secret, UpstoxTokenError } from "@upstox-token/core";
import { notificationsSchema } from "@upstox-token/core/daemon-config";
import { DaemonEvents } from "../src/observe/event-bus.js";
import { attachNotifications, type HookPayload } from "../src/observe/notify.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.c2VjcmV0LXNpZ25hdHVyZQ";
const PIN = "123456-pin-in-env";
const T0 = Date.parse("2026-11-23T03:35:00+05:30");
const EXPIRY = Date.parse("2026-11-24T03:30:00+05:30");

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A real webhook receiver: /ok answers 204, /fail 500, /hang never answers. */
let receiver: Server;
let base: string;
const received: Received[] = [];
let work: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/hang")) return;
      res.writeHead(req.url?.startsWith("/fail") ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), "ops-notify-"));
  process.env.UPSTOX_PIN_CODE = PIN;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
  await rm(work, { recursive: true, force: true });
  delete process.env.UPSTOX_PIN_CODE;
});

afterEach(() => {
  received.length = 0;
});

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) => {
    lines.push({ level, fields, message });
  };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

function succeeded(account: string, loggedIn = true) {
  return {
    type: "stored" as const,
    account,
    record: {
      account,
      generation: 3,
      accessToken: new Secret(TOKEN),
      profile: { userId: "DEMO01" },
      issuedAt: T0,
      expiresAt: EXPIRY,
      source: "totp" as const,
    },
    loggedIn,
    attempts: 1,
    at: T0,
  };
}

function failed(account: string, willRetry = false) {
  const error = new UpstoxTokenError("WRONG_PIN", "Upstox rejected the PIN", {
    hint: "Check UPSTOX_PIN_CODE; never retried automatically.",
    upstoxCode: "1017106",
  });
  return willRetry
    ? { type: "retrying" as const, account, error, attempt: 1, delayMs: 1_000, at: T0 }
    : { type: "failed" as const, account, error, attempt: 1, reason: "r", permanent: true, at: T0 };
}

const waitFor = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await Bun.sleep(10);
  }
};

describe("notificationsSchema", () => {
  test("accepts a hook or a list (webhook with headers, shell or argv command), rejects the rest with a path", () => {
    expect(notificationsSchema.parse({ onRefresh: { webhook: "https://hooks.example.com/x" } })).toEqual({
      onRefresh: { webhook: "https://hooks.example.com/x" },
    });
    expect(
      notificationsSchema.safeParse({
        onRefresh: [
          { webhook: "https://a.example/x", headers: { authorization: "Bearer x" } },
          { command: ["/bin/true"] },
        ],
        timeoutMs: 2_000,
      }).success,
    ).toBe(true);
    expect(notificationsSchema.safeParse({ onFailure: { command: "true", timeoutMs: 500 } }).success).toBe(
      true,
    );
    const bad = notificationsSchema.safeParse({ onFailure: { webhook: "ftp://example.com" } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["onFailure", "webhook"]);
    expect(notificationsSchema.safeParse({ onFailure: {} }).success).toBe(false);
    expect(notificationsSchema.safeParse({ onFailure: { command: "x", extra: 1 } }).success).toBe(false);
    expect(notificationsSchema.safeParse({ onRefresh: { command: "x", timeoutMs: 0 } }).success).toBe(false);
    expect(notificationsSchema.safeParse({ onRefresh: { command: [] } }).success).toBe(false);
  });
});

describe("attachNotifications", () => {
  test("webhooks get the event as JSON: onRefresh for a new token, onFailure when an account gives up; never the token", async () => {
    const events = new DaemonEvents();
    const { logger } = recordingLogger();
    const handle = attachNotifications(
      events,
      { onRefresh: { webhook: `${base}/ok/refresh` }, onFailure: { webhook: `${base}/ok/failure` } },
      logger,
    );
    events.emit(succeeded("alice"));
    events.emit(succeeded("alice", false)); // re-read another instance's token: no hook
    events.emit(failed("bob", true)); // will retry: no hook yet
    events.emit(failed("bob", false));
    events.emit({
      type: "sink-failed",
      account: "alice",
      sink: "redis",
      error: new UpstoxTokenError("SINK_FAILED", "ECONNREFUSED"),
      at: T0,
    });
    events.emit({ type: "scheduled", account: "alice", nextRunAt: EXPIRY, at: T0 });
    await handle.settled();
    handle();

    expect(received.map((r) => r.path).sort()).toEqual(["/ok/failure", "/ok/failure", "/ok/refresh"]);
    for (const r of received) {
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.body).not.toContain(TOKEN);
      expect(r.body).not.toContain(PIN);
    }
    const bodies = received.map((r) => JSON.parse(r.body) as HookPayload);
    expect(bodies.find((b) => b.event === "refresh-succeeded")).toEqual({
      event: "refresh-succeeded",
      account: "alice",
      expires_at: "2026-11-24T03:30:00.000+05:30",
      at: "2026-11-23T03:35:00.000+05:30",
    });
    expect(bodies.find((b) => b.event === "refresh-failed")).toEqual({
      event: "refresh-failed",
      account: "bob",
      expires_at: null,
      at: "2026-11-23T03:35:00.000+05:30",
      error: {
        code: "WRONG_PIN",
        message: "Upstox rejected the PIN",
        hint: "Check UPSTOX_PIN_CODE; never retried automatically.",
        upstox_code: "1017106",
      },
    });
    expect(bodies.find((b) => b.event === "sink-failed")).toMatchObject({
      account: "alice",
      sink: "redis",
      error: { code: "SINK_FAILED" },
    });
  });

  test("commands run through the shell with UPSTOX_* variables and without the daemon's secrets", async () => {
    const events = new DaemonEvents();
    const { logger, lines } = recordingLogger();
    const out = join(work, "env-refresh.txt");
    const outFail = join(work, "env-failure.txt");
    const handle = attachNotifications(
      events,
      {
        onRefresh: { command: `env > "${out}"` },
        onFailure: {
          command: `echo "$UPSTOX_EVENT $UPSTOX_ACCOUNT $UPSTOX_ERROR_CODE [$UPSTOX_EXPIRES_AT]" > "${outFail}"`,
        },
      },
      logger,
    );
    events.emit(succeeded("alice"));
    events.emit(failed("bob"));
    await handle.settled();
    const env = await readFile(out, "utf8");
    expect(env).toContain("UPSTOX_EVENT=refresh-succeeded\n");
    expect(env).toContain("UPSTOX_ACCOUNT=alice\n");
    expect(env).toContain("UPSTOX_EXPIRES_AT=2026-11-24T03:30:00.000+05:30\n");
    expect(env).toContain("UPSTOX_ERROR_CODE=\n");
    expect(env).toContain("PATH=");
    expect(env).not.toContain(TOKEN);
    expect(env).not.toContain(PIN);
    expect(env).not.toContain("UPSTOX_PIN_CODE");
    expect(await readFile(outFail, "utf8")).toBe("refresh-failed bob WRONG_PIN []\n");
    expect(lines.filter((l) => l.level === "warn")).toEqual([]);
  });

  test("an argv command runs without a shell and reads the event from stdin; webhooks send their headers", async () => {
    const events = new DaemonEvents();
    const { logger, lines } = recordingLogger();
    const out = join(work, "stdin.json");
    const script = join(work, "read-stdin.ts");
    await Bun.write(
      script,
      `await Bun.write(${JSON.stringify(out)}, JSON.stringify({ stdin: await new Response(Bun.stdin).text(), env: process.env.UPSTOX_TOKEN_EVENT, argv: process.argv.slice(2) }));\n`,
    );
    const handle = attachNotifications(
      events,
      {
        onRefresh: [
          // No shell: "$UPSTOX_ACCOUNT" and ">" reach the program literally.
          { command: [process.execPath, script, "$UPSTOX_ACCOUNT", ">"] },
          { webhook: `${base}/ok/with-headers`, headers: { authorization: "Bearer hook-secret" } },
        ],
        timeoutMs: 5_000,
      },
      logger,
    );
    events.emit(succeeded("alice"));
    await handle.settled();
    expect(lines.filter((l) => l.level === "warn")).toEqual([]);
    const seen = JSON.parse(await readFile(out, "utf8")) as { stdin: string; env: string; argv: string[] };
    expect(seen.argv).toEqual(["$UPSTOX_ACCOUNT", ">"]);
    expect(JSON.parse(seen.stdin)).toMatchObject({ event: "refresh-succeeded", account: "alice" });
    expect(JSON.parse(seen.env)).toEqual(JSON.parse(seen.stdin));
    expect(seen.stdin + seen.env).not.toContain(TOKEN);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe("Bearer hook-secret");
    expect(JSON.stringify(lines)).not.toContain("hook-secret");
  });

  test("failing hooks (bad host, HTTP 500, exit 3, missing program) are logged at warn and nothing else happens", async () => {
    const events = new DaemonEvents();
    const { logger, lines } = recordingLogger();
    let listenerErrors = 0;
    events.onListenerError(() => {
      listenerErrors++;
    });
    const handle = attachNotifications(
      events,
      {
        onRefresh: {
          webhook: `${base}/fail/secret-path-segment?key=abc`,
          command: "echo broken >&2; exit 3",
          timeoutMs: 2_000,
        },
        onFailure: { webhook: "http://127.0.0.1:1/nothing-listens", command: "definitely-not-a-program-xyz" },
      },
      logger,
    );
    events.emit(succeeded("alice"));
    events.emit(failed("bob"));
    await handle.settled();
    expect(listenerErrors).toBe(0);
    const warns = lines.filter((l) => l.level === "warn");
    expect(warns).toHaveLength(4);
    const reasons = warns.map((w) => String(w.fields.reason));
    expect(reasons).toContainEqual(expect.stringContaining("HTTP 500"));
    expect(reasons).toContainEqual("the command exited with 3: broken");
    expect(reasons).toContainEqual(expect.stringContaining("exited with 127"));
    // The webhook's secret path and query never reach the log.
    expect(JSON.stringify(warns)).not.toContain("secret-path-segment");
    expect(JSON.stringify(warns)).not.toContain("key=abc");
    for (const w of warns) expect(w.message).toContain("the refresh is unaffected");
  });

  test("hanging hooks neither delay the emitter nor outlive their timeout; the command's children die too", async () => {
    const events = new DaemonEvents();
    const { logger, lines } = recordingLogger();
    const marker = join(work, "survived.txt");
    const handle = attachNotifications(
      events,
      {
        onRefresh: {
          webhook: `${base}/hang`,
          // A child that would write the marker after 3 s: killing only the shell would let it live.
          command: `(sleep 3; echo alive > "${marker}") & sleep 30`,
          timeoutMs: 400,
        },
      },
      logger,
    );
    for (let i = 0; i < 10; i++) events.emit(succeeded(`acct-${i}`));
    // Queuing 20 hooks is bookkeeping only: emit() returns in the emitter's turn, before any hook has ended
    // (each of them hangs for its 400 ms timeout), so none has been logged yet.
    expect(lines).toHaveLength(0);

    const settleStarted = Date.now();
    const waitAll = handle.settled();
    // 20 hooks, 4 at a time, 400 ms each: about 2 s; 30 s would mean a hang.
    await waitAll;
    const settleMs = Date.now() - settleStarted;
    expect(settleMs).toBeLessThan(6_000);
    const warns = lines.filter((l) => l.level === "warn");
    expect(warns).toHaveLength(20);
    expect(warns.filter((w) => String(w.fields.reason).includes("timed out after 400 ms"))).toHaveLength(10);
    expect(
      warns.filter((w) => String(w.fields.reason).includes("did not finish within 400 ms")),
    ).toHaveLength(10);
    handle();
    await Bun.sleep(3_300);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  test("a detached listener runs no more hooks", async () => {
    const events = new DaemonEvents();
    const { logger } = recordingLogger();
    const handle = attachNotifications(events, { onRefresh: { webhook: `${base}/ok/detached` } }, logger);
    events.emit(succeeded("alice"));
    await waitFor(() => received.length === 1);
    handle();
    events.emit(succeeded("alice"));
    await handle.settled();
    await Bun.sleep(100);
    expect(received).toHaveLength(1);
  });
});
