#!/usr/bin/env node
import { parseArgs } from "node:util";
import { DEMO_APP, DEMO_USER } from "./demo-account.js";
import { startEmulator } from "./start-emulator.js";

const USAGE = `Usage: upstox-emulator [--port N] [--host HOST] [--latency MS] [--json] [--quiet]

Starts a local Upstox (login service + public API) on one origin. The first line on stdout is
its base URL; the seeded demo credentials follow. Stops on SIGINT/SIGTERM.`;

function fail(message: string): never {
  console.error(`upstox-emulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        latency: { type: "string" },
        json: { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function parseNumber(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    fail(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: parseNumber(flags.port, "--port", 0),
    host: flags.host ?? "127.0.0.1",
    latencyMs: parseNumber(flags.latency, "--latency", 0),
    quiet: flags.quiet,
  });

  // Handlers before any output: a supervisor may signal as soon as it has read the URL.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const credentials = {
    url: emulator.url,
    apiKey: DEMO_APP.apiKey,
    apiSecret: DEMO_APP.apiSecret,
    redirectUri: DEMO_APP.redirectUri,
    mobile: DEMO_USER.mobile,
    totpSecret: DEMO_USER.totpSecret,
    pin: DEMO_USER.pin,
    userId: DEMO_USER.userId,
  };
  const dialog = `${emulator.url}/v2/login/authorization/dialog?response_type=code&client_id=${credentials.apiKey}&redirect_uri=${encodeURIComponent(credentials.redirectUri)}`;
  const lines = flags.json
    ? [emulator.url, JSON.stringify(credentials)]
    : [
        emulator.url,
        "Demo app and user (fake; safe to share):",
        `  UPSTOX_CLIENT_ID=${credentials.apiKey}`,
        `  UPSTOX_CLIENT_SECRET=${credentials.apiSecret}`,
        `  UPSTOX_REDIRECT_URI=${credentials.redirectUri}`,
        `  UPSTOX_USERNAME=${credentials.mobile}`,
        `  UPSTOX_TOTP_SECRET=${credentials.totpSecret}`,
        `  UPSTOX_PIN_CODE=${credentials.pin}`,
        `Log in in a browser: ${dialog}`,
      ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  console.error(`upstox-emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
