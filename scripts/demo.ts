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
const missing = REAL_VARIABLES.filter((name) => (process.env[name] ?? "").trim() === "");
const real = missing.length === 0;
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

// Emulator mode: the emulator's seeded demo account, so nothing of the user's is needed or touched. It goes into a
// file the daemon reads with --env-file, so the command printed is the whole command and can be run again.
const demoEnv = [
  "UPSTOX_USERNAME=9876543210",
  "UPSTOX_PIN_CODE=123456",
  "UPSTOX_TOTP_SECRET=JBSWY3DPEHPK3PXP",
  "UPSTOX_CLIENT_ID=7c9e6679-7425-40de-944b-e07fc1f90ae7",
  "UPSTOX_CLIENT_SECRET=demo-secret-5f2b9c",
  "UPSTOX_REDIRECT_URI=http://127.0.0.1:8976/callback",
];
const demoEnvFile = join(folder, "emulator-account.env");
if (!real) writeFileSync(demoEnvFile, `${demoEnv.join("\n")}\n`, { mode: 0o600 });

/** How a clone runs the commands under Bun (their shebang says node); the form the READMEs use. */
const shown = (command: string, args: string[]) =>
  ["bunx", "--bun", command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(" ");

function run(command: string, bin: string, args: string[]): void {
  console.log(`\n$ ${shown(command, args)}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit", cwd: root });
  if (result.status !== 0) {
    console.error(`\ndemo: "${command}" exited with ${result.status ?? result.signal}`);
    process.exit(result.status ?? 1);
  }
}

console.log(
  real
    ? `upstox-token demo: logging in to the real Upstox with your UPSTOX_* credentials, writing ${folder}`
    : missing.length === REAL_VARIABLES.length
      ? `upstox-token demo: no Upstox credentials set, so against the local emulator; writing ${folder}`
      : `upstox-token demo: ${missing.join(", ")} not set (all six are needed for the real Upstox), so against the local emulator; writing ${folder}`,
);
run("upstox-token-daemon", daemonBin, [
  "--once",
  ...(real ? [] : ["--emulator", "--env-file", demoEnvFile]),
  "--config",
  configPath,
]);
run("upstox-token", cliBin, [
  "status",
  "--account",
  "main",
  "--sink",
  `env:${join(folder, ".env")}`,
  "--sink",
  `sqlite:${join(folder, "tokens.db")}`,
]);
console.log(
  [
    "",
    `The token is in ${join(folder, ".env")} (UPSTOX_ACCESS_TOKEN) and ${join(folder, "tokens.db")}.`,
    "",
    "Next:",
    "  bunx --bun upstox-token init          set up your own account: .env, a daemon config, a rehearsal",
    "  bunx --bun upstox-token-daemon        run it every morning after 03:30 IST (--dry-run shows when)",
    "  docs: README.md, packages/cli/README.md (every command), apps/daemon/README.md (the config, systemd)",
  ].join("\n"),
);
