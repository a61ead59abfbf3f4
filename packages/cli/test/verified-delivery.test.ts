import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv, freePort } from "./support/emulator-env.js";
import { spawnBin, tempDir } from "./support/run-bin.js";

let emulator: Emulator;
const OTHER = { mobile: "9123400001", totpSecret: "JBSWY3DPEHPK3PXR", pin: "246810", userId: "OTHR09" };
beforeAll(async () => {
  emulator = await startEmulator();
  emulator.addUser(OTHER);
});
afterAll(() => emulator.close());

/** Epoch ms of the next 03:30 IST (22:00 UTC) after now. */
function next0330Ist(now = Date.now()): number {
  const day = 86_400_000;
  const cutoff = Math.floor(now / day) * day + 22 * 3_600_000;
  return cutoff > now ? cutoff : cutoff + day;
}

async function listeningApp(name: string) {
  const port = await freePort();
  const app = {
    apiKey: `${name}-${crypto.randomUUID()}`,
    apiSecret: `${name}-secret`,
    redirectUris: ["http://127.0.0.1:8976/callback"],
    notifierUrl: `http://127.0.0.1:${port}/upstox/notifier`,
  };
  emulator.addApp(app);
  const env = emulatorEnv(emulator, { UPSTOX_CLIENT_ID: app.apiKey, UPSTOX_CLIENT_SECRET: app.apiSecret });
  return { app, env, port };
}

const forgedBody = (clientId: string, token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJERU1PMDEifQ.forged-sig") =>
  JSON.stringify({
    client_id: clientId,
    user_id: DEMO_USER.userId,
    access_token: token,
    token_type: "Bearer",
    expires_at: "4102444800000",
    issued_at: String(Date.now()),
    message_type: "access_token",
  });

test("request-token --listen: a forged delivery is refused (4xx, stored nowhere, no token in the log); the genuine one after it is stored with an expiry no later than the next 03:30 IST", async () => {
  const { app, env, port } = await listeningApp("forged");
  const cwd = tempDir();
  const envFile = join(cwd, "bot.env");
  const run = spawnBin(
    [
      "request-token",
      "--json",
      "--listen",
      `127.0.0.1:${port}/upstox/notifier`,
      "--timeout",
      "20s",
      "--sink",
      `env:${envFile}`,
      "--sink",
      "sqlite:tokens.db",
    ],
    { env, cwd },
  );
  await run.waitForStderr(/Waiting for the token on/);
  const forged = await fetch(app.notifierUrl, { method: "POST", body: forgedBody(app.apiKey) });
  expect(forged.status).toBe(401);
  expect(existsSync(envFile)).toBe(false);
  await run.waitForStderr(/delivery refused/);

  const approval = await emulator.approveTokenRequest(app.apiKey);
  expect(approval.delivered).toBe(true);
  const result = await run.result();
  expect(result.code).toBe(0);
  expect(result.stderr).not.toContain("forged-sig");
  const body = JSON.parse(result.stdout) as { access_token: string; expires_at: string };
  expect(body.access_token).toBe(approval.token);
  expect(Date.parse(body.expires_at)).toBeLessThanOrEqual(next0330Ist());
  const stored = readFileSync(envFile, "utf8");
  expect(stored).toContain(approval.token);
  expect(stored).not.toContain("forged-sig");
  const { Database } = await import("bun:sqlite");
  const db = new Database(join(cwd, "tokens.db"), { readonly: true });
  const rows = JSON.stringify(db.query("select * from tokens").all());
  db.close();
  expect(rows).toContain(approval.token);
  expect(rows).not.toContain("forged-sig");
  expect(rows).not.toContain("4102444800");
});

test("request-token --listen --user-id: a genuine token of another user is refused, the expected user's is stored", async () => {
  const { app, env, port } = await listeningApp("other-user");
  const run = spawnBin(
    [
      "request-token",
      "--json",
      "--listen",
      `127.0.0.1:${port}/upstox/notifier`,
      "--user-id",
      DEMO_USER.userId,
      "--timeout",
      "20s",
    ],
    { env },
  );
  await run.waitForStderr(/Waiting for the token on/);
  const other = await emulator.approveTokenRequest(app.apiKey, { mobile: OTHER.mobile });
  expect(other.status).toBe(403);
  // Upstox keeps the request pending for another approval in real life; the emulator needs a new one.
  await fetch(`${emulator.apiBase}/v3/login/auth/token/request/${app.apiKey}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_secret: app.apiSecret }),
  });
  const mine = await emulator.approveTokenRequest(app.apiKey);
  expect(mine.delivered).toBe(true);
  const result = await run.result();
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).access_token).toBe(mine.token);
});

test("request-token --listen without --user-id: the user learnt from the first verified login (state folder) refuses another user's token", async () => {
  const { app, env, port } = await listeningApp("pinned-user");
  const loginEnv = { ...env, UPSTOX_REDIRECT_URI: app.redirectUris[0]! };
  const { runBin } = await import("./support/run-bin.js");
  const first = await runBin(["generate-token", "--json"], { env: loginEnv });
  expect(first.code).toBe(0);
  const run = spawnBin(
    ["request-token", "--json", "--listen", `127.0.0.1:${port}/upstox/notifier`, "--timeout", "20s"],
    { env: loginEnv },
  );
  await run.waitForStderr(/Waiting for the token on/);
  const other = await emulator.approveTokenRequest(app.apiKey, { mobile: OTHER.mobile });
  expect(other.status).toBe(403);
  await fetch(`${emulator.apiBase}/v3/login/auth/token/request/${app.apiKey}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_secret: app.apiSecret }),
  });
  const mine = await emulator.approveTokenRequest(app.apiKey);
  expect(mine.delivered).toBe(true);
  const result = await run.result();
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).access_token).toBe(mine.token);
  expect(result.stderr).not.toContain(other.token);
});
