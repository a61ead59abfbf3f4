// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the daemon config's interpolation syntax
/**
 * `bun run demo`: the main job, end to end. Runs the daemon once (catch up: log in, write every sink), then
 * shows what the sinks hold with `upstox-token status`.
 *
 * Without Upstox credentials it runs against the in-process emulator (a faithful local Upstox) and writes into a
 * temp folder. With UPSTOX_USERNAME, UPSTOX_PIN_CODE, UPSTOX_TOTP_SECRET, UPSTOX_CLIENT_ID,
 * UPSTOX_CLIENT_SECRET and UPSTOX_REDIRECT_URI set (environment or ./.env), it logs in to the real Upstox and
 * writes ./upstox-token-demo/.env and ./upstox-token-demo/tokens.db.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REAL_VARIABLES = [
  "UPSTOX_USERNAME",
  "UPSTOX_PIN_CODE",
  "UPSTOX_TOTP_SECRET",
  "UPSTOX_CLIENT_ID",
  "UPSTOX_CLIENT_SECRET",
  "UPSTOX_REDIRECT_URI",
];
const real = REAL_VARIABLES.every((name) => (process.env[name] ?? "").trim() !== "");
const root = resolve(import.meta.dir, "..");
const daemonBin = join(root, "apps/daemon/bin/upstox-token-daemon.js");
const cliBin = join(root, "packages/cli/bin/upstox-token.js");

const folder = real ? resolve("upstox-token-demo") : mkdtempSync(join(tmpdir(), "upstox-token-demo-"));
mkdirSync(folder, { recursive: true, mode: 0o700 });
const configPath = join(folder, "upstox-token.config.json");
const config = {
  accounts: [
    {
      name: "main",
      credentials: {
        mobile: "${UPSTOX_USERNAME}",
        pin: "${UPSTOX_PIN_CODE}",
        totpSecret: "${UPSTOX_TOTP_SECRET}",
        clientId: "${UPSTOX_CLIENT_ID}",
        clientSecret: "${UPSTOX_CLIENT_SECRET}",
        redirectUri: "${UPSTOX_REDIRECT_URI}",
      },
    },
  ],
  sinks: [
    { use: "env", options: { path: ".env" } },
    { use: "sqlite", options: { path: "tokens.db" } },
  ],
};
writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

// Emulator mode: the emulator's seeded demo account, so nothing of the user's is needed or touched.
const demoEnv = {
  UPSTOX_USERNAME: "9876543210",
  UPSTOX_PIN_CODE: "123456",
  UPSTOX_TOTP_SECRET: "JBSWY3DPEHPK3PXP",
  UPSTOX_CLIENT_ID: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  UPSTOX_CLIENT_SECRET: "demo-secret-5f2b9c",
  UPSTOX_REDIRECT_URI: "http://127.0.0.1:8976/callback",
};
const env = { ...process.env, ...(real ? {} : demoEnv) };

function run(title: string, bin: string, args: string[]): void {
  console.log(`\n$ ${title}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit", env, cwd: folder });
  if (result.status !== 0) {
    console.error(`\ndemo: "${title}" exited with ${result.status ?? result.signal}`);
    process.exit(result.status ?? 1);
  }
}

console.log(
  real
    ? `upstox-token demo: logging in to the real Upstox with your UPSTOX_* credentials, writing ${folder}`
    : `upstox-token demo: no Upstox credentials set, so against the local emulator; writing ${folder}`,
);
run(`upstox-token-daemon --once${real ? "" : " --emulator"} --config ${configPath}`, daemonBin, [
  "--once",
  ...(real ? [] : ["--emulator"]),
  "--config",
  configPath,
]);
run(`upstox-token status --sink env:.env --sink sqlite:tokens.db`, cliBin, [
  "status",
  "--account",
  "main",
  "--sink",
  `env:${join(folder, ".env")}`,
  "--sink",
  `sqlite:${join(folder, "tokens.db")}`,
]);
console.log(
  `\nThe token is in ${join(folder, ".env")} (UPSTOX_ACCESS_TOKEN) and ${join(folder, "tokens.db")}.`,
);
