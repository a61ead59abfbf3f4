import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { upstoxExpiryMs } from "@upstox-token/core";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { validateConfig } from "../src/config/load-config.js";
import { startDaemon } from "../src/runner/daemon.js";
import { memoryLogger, tempDir } from "./support/helpers.js";
import { freePort, until } from "./support/wait.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

function storedRows(file: string): { access_token: string; expires_at: number }[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.query("select access_token, expires_at from tokens").all() as {
      access_token: string;
      expires_at: number;
    }[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

test("token-request flow: a forged delivery (expiry 2100) is refused and stored nowhere; the genuine one after it is stored with an expiry no later than the next 03:30 IST", async () => {
  const port = await freePort();
  const app = {
    apiKey: `daemon-notify-${crypto.randomUUID()}`,
    apiSecret: "daemon-notify-secret",
    redirectUris: ["http://127.0.0.1:8976/callback"],
    notifierUrl: `http://127.0.0.1:${port}/`,
  };
  emulator.addApp(app);
  const { dir, cleanup } = tempDir("daemon-verified-");
  const logger = memoryLogger();
  const config = validateConfig(
    {
      accounts: [
        {
          name: "phone",
          flow: "token-request",
          notifierPort: port,
          loginTimeoutMs: 15_000,
          credentials: {
            clientId: app.apiKey,
            clientSecret: app.apiSecret,
            redirectUri: app.redirectUris[0],
            apiBase: emulator.apiBase,
            serviceBase: emulator.serviceBase,
            ucc: DEMO_USER.userId,
          },
        },
      ],
      sinks: [
        { use: "sqlite", options: { path: "tokens.db" } },
        { use: "env", options: { path: "bot.env" } },
      ],
      lock: { use: "file", path: "locks" },
    },
    { file: null, baseDir: dir },
  );
  const daemon = await startDaemon({ config, schedule: false, logger });
  try {
    const run = daemon.runOnce();
    await until(() => emulator.steps("token-request").some((e) => e.status === 200), "the token request");

    const forged = await fetch(app.notifierUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: app.apiKey,
        user_id: DEMO_USER.userId,
        access_token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.forged-by-daemon-test",
        token_type: "Bearer",
        expires_at: "4102444800000",
        issued_at: String(Date.now()),
        message_type: "access_token",
      }),
    });
    expect(forged.status).toBe(401);
    expect(storedRows(join(dir, "tokens.db"))).toHaveLength(0);
    expect(existsSync(join(dir, "bot.env"))).toBe(false);

    const approval = await emulator.approveTokenRequest(app.apiKey);
    expect(approval.delivered).toBe(true);
    const summary = await run;
    expect(summary.accounts[0]).toMatchObject({ result: "refreshed", loggedIn: true });

    const rows = storedRows(join(dir, "tokens.db"));
    expect(rows.map((r) => r.access_token)).toEqual([approval.token]);
    expect(rows[0]!.expires_at).toBeLessThanOrEqual(upstoxExpiryMs(Date.now()));
    const envText = await Bun.file(join(dir, "bot.env")).text();
    expect(envText).toContain(approval.token);
    expect(envText).not.toContain("forged-by-daemon-test");
    expect(JSON.stringify(logger.lines)).not.toContain("forged-by-daemon-test");
    expect(JSON.stringify(logger.lines)).toContain("delivery refused");
  } finally {
    await daemon.stop();
    cleanup();
  }
});
