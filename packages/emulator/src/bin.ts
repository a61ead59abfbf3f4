#!/usr/bin/env node
import { parseArgs } from "node:util";
import { DEMO_APP, DEMO_APP_ALT_REDIRECT_URI, DEMO_USER } from "./demo-account.js";
import { startEmulator } from "./start-emulator.js";

const USAGE = `Usage: upstox-emulator [--port N] [--host HOST] [--latency MS] [--json] [--quiet]
                       [--app KEY:SECRET] [--redirect-uri URL] [--notifier-url URL] [--no-otp-limit]

Starts a local Upstox (login service + public API) on one origin. The first line on stdout is
its base URL; \`export\` lines for the UPSTOX_* variables follow. Stops on SIGINT/SIGTERM.

  --app KEY:SECRET     also register this app (your own API key and secret, as in your .env)
  --redirect-uri URL   the redirect URI of --app (default: the demo app's)
  --notifier-url URL   the notifier webhook of the app (--app, else the demo app): lets the v3
                       token request (upstox-token request-token --listen …) be rehearsed
  --no-otp-limit       no OTP-generate limit (10 per 10 minutes per mobile by default)`;

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
        app: { type: "string" },
        "redirect-uri": { type: "string" },
        "notifier-url": { type: "string" },
        "no-otp-limit": { type: "boolean", default: false },
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

function parseUrl(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/[^/\s]+/i.test(value) || !URL.canParse(value)) {
    fail(`${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `--app KEY:SECRET`: the key has no colon (Upstox keys are UUIDs); the secret is the rest. */
function parseApp(value: string | undefined): { apiKey: string; apiSecret: string } | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(":");
  if (colon <= 0 || colon === value.length - 1) fail("--app must be KEY:SECRET, e.g. --app my-key:my-secret");
  return { apiKey: value.slice(0, colon), apiSecret: value.slice(colon + 1) };
}

/** A shell word: as is when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const ownApp = parseApp(flags.app);
  const redirectUri = parseUrl(flags["redirect-uri"], "--redirect-uri");
  if (redirectUri && !ownApp) fail("--redirect-uri is the redirect URI of --app; give --app KEY:SECRET too");
  const notifierUrl = parseUrl(flags["notifier-url"], "--notifier-url");
  const emulator = await startEmulator({
    port: parseNumber(flags.port, "--port", 0),
    host: flags.host ?? "127.0.0.1",
    latencyMs: parseNumber(flags.latency, "--latency", 0),
    quiet: flags.quiet,
    ...(flags["no-otp-limit"] ? { otpRateLimit: null } : {}),
  });
  const app = ownApp
    ? { ...ownApp, redirectUris: [redirectUri ?? DEMO_APP.redirectUri] }
    : {
        apiKey: DEMO_APP.apiKey,
        apiSecret: DEMO_APP.apiSecret,
        redirectUris: [DEMO_APP.redirectUri, DEMO_APP_ALT_REDIRECT_URI],
      };
  if (ownApp || notifierUrl) emulator.addApp({ ...app, ...(notifierUrl ? { notifierUrl } : {}) });

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
    apiBase: emulator.apiBase,
    serviceBase: emulator.serviceBase,
    apiKey: app.apiKey,
    apiSecret: app.apiSecret,
    redirectUri: app.redirectUris[0]!,
    ...(notifierUrl ? { notifierUrl } : {}),
    mobile: DEMO_USER.mobile,
    totpSecret: DEMO_USER.totpSecret,
    pin: DEMO_USER.pin,
    userId: DEMO_USER.userId,
  };
  const dialog = `${emulator.url}/v2/login/authorization/dialog?response_type=code&client_id=${encodeURIComponent(credentials.apiKey)}&redirect_uri=${encodeURIComponent(credentials.redirectUri)}`;
  const variables: [string, string][] = [
    ["UPSTOX_API_BASE", credentials.apiBase],
    ["UPSTOX_SERVICE_BASE", credentials.serviceBase],
    ["UPSTOX_CLIENT_ID", credentials.apiKey],
    ["UPSTOX_CLIENT_SECRET", credentials.apiSecret],
    ["UPSTOX_REDIRECT_URI", credentials.redirectUri],
    ["UPSTOX_USERNAME", credentials.mobile],
    ["UPSTOX_TOTP_SECRET", credentials.totpSecret],
    ["UPSTOX_PIN_CODE", credentials.pin],
  ];
  const lines = flags.json
    ? [emulator.url, JSON.stringify(credentials)]
    : [
        emulator.url,
        `# ${ownApp ? "Your app" : "Demo app"} and the demo user (${ownApp ? "the user is fake" : "fake; safe to share"}). Paste into a shell:`,
        ...variables.map(([name, value]) => `export ${name}=${shellWord(value)}`),
        `# Log in in a browser: ${dialog}`,
        ...(notifierUrl
          ? [
              `# Token requests are posted to ${notifierUrl} once approved; approve one with:`,
              `#   curl -X POST ${emulator.url}/__emulator/approve/${encodeURIComponent(credentials.apiKey)}`,
            ]
          : []),
        ...(flags["no-otp-limit"] ? ["# No OTP-generate limit."] : []),
      ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  console.error(`upstox-emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
