import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { accountEntry, DAEMON_BIN, demoAccount, tempDir, writeConfig } from "./support/helpers.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const SECRETS = {
  pin: DEMO_USER.pin,
  pinBase64: Buffer.from(DEMO_USER.pin).toString("base64"),
  totpSecret: DEMO_USER.totpSecret,
  clientSecret: DEMO_APP.apiSecret,
};
const ECHO = `Invalid request pin=${SECRETS.pin} encoded=${SECRETS.pinBase64} totp=${SECRETS.totpSecret} client_secret=${SECRETS.clientSecret}`;

function leaks(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

test("an Upstox error echoing the PIN, its base64, the TOTP secret and the client secret reaches none of: daemon logs, /healthz, hook payloads, hook environments", async () => {
  const { dir, cleanup } = tempDir("daemon-redaction-");
  const received: string[] = [];
  const collector = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      received.push(await req.text());
      return new Response("ok");
    },
  });
  emulator.inject({
    path: /\/auth\/2fa$/,
    body: JSON.stringify({ success: false, error: { code: 1017016, message: ECHO } }),
    status: 200,
    count: Number.POSITIVE_INFINITY,
  });
  const entry = accountEntry(emulator, demoAccount());
  const file = writeConfig(dir, {
    accounts: [
      {
        ...entry,
        credentials: { ...entry.credentials, pin: `\${UPSTOX_TEST_PIN}`, totpSecret: `\${UPSTOX_TEST_TOTP}` },
      },
    ],
    sinks: [{ use: "env", options: { path: "bot.env" } }],
    lock: { use: "file", path: "locks" },
    retry: { attempts: 1 },
    statusServer: { port: 0 },
    notifications: {
      onFailure: [
        { webhook: `http://127.0.0.1:${collector.port}/hook` },
        { command: `env > '${join(dir, "env.txt")}'; cat > '${join(dir, "stdin.txt")}'` },
      ],
    },
  });
  const child = Bun.spawn(["bun", DAEMON_BIN, "--config", file], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      UPSTOX_STATE_DIR: process.env.UPSTOX_STATE_DIR ?? "",
      UPSTOX_TEST_PIN: DEMO_USER.pin,
      UPSTOX_TEST_TOTP: DEMO_USER.totpSecret,
      UPSTOX_PIN_CODE: DEMO_USER.pin,
      UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
      UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
      UPSTOX_TOKEN_LOG_LEVEL: "debug",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let logs = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) logs += decoder.decode(chunk, { stream: true });
  })();
  try {
    const statusUrl = await until(() => /"url":"(http:\/\/[^"]+)"/.exec(logs)?.[1], "the status endpoint");
    await until(() => (received.length > 0 ? true : undefined), "the webhook");
    await until(() => (existsSync(join(dir, "stdin.txt")) ? true : undefined), "the command hook");
    const healthz = await until(async () => {
      const body = await (await fetch(`${statusUrl}/healthz`)).text();
      const parsed = JSON.parse(body) as { accounts: { last_error: unknown }[] };
      return parsed.accounts.some((a) => a.last_error !== null) ? body : undefined;
    }, "a last_error on /healthz");

    expect(healthz).toContain("Invalid request pin=***");
    expect(received.join("\n")).toContain("Invalid request pin=***");
    const env = readFileSync(join(dir, "env.txt"), "utf8");
    expect(env).toContain("UPSTOX_TOKEN_EVENT=");
    expect(env).not.toContain("UPSTOX_PIN_CODE");
    expect(env).not.toContain("UPSTOX_TEST_TOTP");
    expect(logs).toContain("Invalid request pin=***");

    expect({ where: "healthz", leaks: leaks(healthz) }).toEqual({ where: "healthz", leaks: [] });
    expect({ where: "webhook", leaks: leaks(received.join("\n")) }).toEqual({ where: "webhook", leaks: [] });
    expect({ where: "hook env", leaks: leaks(env) }).toEqual({ where: "hook env", leaks: [] });
    const stdin = readFileSync(join(dir, "stdin.txt"), "utf8");
    expect({ where: "hook stdin", leaks: leaks(stdin) }).toEqual({ where: "hook stdin", leaks: [] });
  } finally {
    child.kill("SIGTERM");
    await child.exited;
    await reading;
    collector.stop(true);
    emulator.clearFaults();
    cleanup();
  }
  expect({ where: "logs", leaks: leaks(logs) }).toEqual({ where: "logs", leaks: [] });
});
