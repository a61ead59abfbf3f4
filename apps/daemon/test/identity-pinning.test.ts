import { Database } from "bun:sqlite";
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, userStateFor } from "@upstox-token/core/internal";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { startDaemon } from "../src/runner/daemon.js";
import { addUsers, DAEMON_BIN, memoryLogger, tempDir, writeConfig } from "./support/helpers.js";
import { freePort, until } from "./support/wait.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearLog());

function storedTokens(file: string): string[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return (db.query("select access_token from tokens").all() as { access_token: string }[]).map(
      (r) => r.access_token,
    );
  } catch {
    return [];
  } finally {
    db.close();
  }
}

async function newApp() {
  const port = await freePort();
  const app = {
    apiKey: `pin-identity-${crypto.randomUUID()}`,
    apiSecret: "pin-identity-secret",
    redirectUris: ["http://127.0.0.1:8976/callback"],
    notifierUrl: `http://127.0.0.1:${port}/`,
  };
  emulator.addApp(app);
  return { app, port };
}

function tokenRequestAccount(
  app: Awaited<ReturnType<typeof newApp>>["app"],
  port: number,
  extra: Record<string, unknown> = {},
) {
  return {
    name: "phone",
    flow: "token-request",
    notifierPort: port,
    loginTimeoutMs: 15_000,
    credentials: {
      mobile: DEMO_USER.mobile,
      clientId: app.apiKey,
      clientSecret: app.apiSecret,
      redirectUri: app.redirectUris[0],
      apiBase: emulator.apiBase,
      serviceBase: emulator.serviceBase,
      ...extra,
    },
  };
}

/** Runs one token-request cycle: a stranger's genuine token is posted first, then the user approves. */
async function strangerThenOwner(config: ReturnType<typeof validateConfig>, dir: string) {
  const [stranger] = addUsers(emulator, 1, "stranger");
  const app = config.accounts[0]!.upstox;
  const logger = memoryLogger();
  const daemon = await startDaemon({ config, schedule: false, logger });
  try {
    const run = daemon.runOnce();
    await until(() => emulator.steps("token-request").some((e) => e.status === 200), "the token request");
    const theirs = emulator.mintToken(app.clientId!, { mobile: stranger!.mobile });
    expect(emulator.isTokenValid(theirs.token)).toBe(true);
    const answer = await fetch(`http://127.0.0.1:${config.accounts[0]!.notifierPort}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: app.clientId,
        user_id: theirs.userId,
        access_token: theirs.token,
        token_type: "Bearer",
        expires_at: String(theirs.expiresAt),
        issued_at: String(theirs.issuedAt),
        message_type: "access_token",
      }),
    });
    expect(answer.status).toBe(403);
    expect(storedTokens(join(dir, "tokens.db"))).toHaveLength(0);
    const approval = await emulator.approveTokenRequest(app.clientId!, { mobile: DEMO_USER.mobile });
    expect(approval.delivered).toBe(true);
    expect((await run).accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });
    expect(storedTokens(join(dir, "tokens.db"))).toEqual([approval.token]);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain("delivery refused");
    expect(logged).not.toContain(theirs.token);
  } finally {
    await daemon.stop();
  }
}

test("without ucc: the identity learnt from the first verified login refuses another user's delivery (403, not stored, not logged)", async () => {
  const { app, port } = await newApp();
  const { dir, cleanup } = tempDir("daemon-identity-");
  try {
    // The first verified login of this mobile number and client id (here: recorded as the engine does).
    userStateFor(process.env.UPSTOX_STATE_DIR!, {
      mobile: DEMO_USER.mobile,
      clientId: app.apiKey,
    }).identity.learn(DEMO_USER.userId, Date.now());
    const config = validateConfig(
      {
        accounts: [tokenRequestAccount(app, port)],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      },
      { file: null, baseDir: dir },
    );
    await strangerThenOwner(config, dir);
  } finally {
    cleanup();
  }
});

test("with ucc: another user's delivery is refused the same way", async () => {
  const { app, port } = await newApp();
  const { dir, cleanup } = tempDir("daemon-identity-");
  try {
    const config = validateConfig(
      {
        accounts: [tokenRequestAccount(app, port, { ucc: DEMO_USER.userId })],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      },
      { file: null, baseDir: dir },
    );
    await strangerThenOwner(config, dir);
  } finally {
    cleanup();
  }
});

test("a token-request-only account with no ucc and no learnt identity is a config error (exit 2) naming credentials.ucc", async () => {
  const { app, port } = await newApp();
  const { dir, cleanup } = tempDir("daemon-identity-");
  try {
    const config = validateConfig(
      {
        accounts: [tokenRequestAccount(app, port)],
        sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      },
      { file: null, baseDir: dir },
    );
    const error = await startDaemon({ config, schedule: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe("accounts[0].credentials.ucc");

    const file = writeConfig(dir, {
      accounts: [tokenRequestAccount(app, port)],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
    });
    const child = Bun.spawn(["bun", DAEMON_BIN, "--once", "--config", file], {
      env: { ...process.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(code).toBe(2);
    expect(stderr).toContain("credentials.ucc");
    expect(emulator.steps("token-request")).toHaveLength(0);
  } finally {
    cleanup();
  }
});
