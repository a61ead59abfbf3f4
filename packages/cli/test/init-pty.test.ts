import { afterEach, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readEnvironment, Secret, totpNow } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import {
  credentialValues,
  DAEMON_BIN,
  daemonDryRun,
  modeOf,
  rehearsalFolder,
  sqliteToken,
} from "./support/init-setup-check.js";
import { findOrInstallTmux, TmuxSession } from "./support/init-tmux.js";
import { tempDir } from "./support/run-bin.js";

// `upstox-token init` as a person meets it: the real launcher in a real terminal (tmux), answers typed key by
// key, each prompt awaited on the rendered screen.

const LAUNCHER = join(import.meta.dir, "..", "bin", "upstox-token.js");
const tmux = findOrInstallTmux();
if (!tmux.path) {
  console.error(
    `\n!!! init-pty: SKIPPING the pseudo-terminal tests of \`upstox-token init\`: ${tmux.why}.\n` +
      "!!! Install tmux (apt-get install -y tmux) to run them.\n",
  );
}

let session: TmuxSession | undefined;
afterEach(() => {
  session?.close();
  session = undefined;
});

/** A git repository to set up in, a TMPDIR for the rehearsal, and a terminal running `init` there. */
function startInit(): { dir: string; tmp: string; pty: TmuxSession } {
  const root = tempDir("upstox-init-pty-");
  const dir = join(root, "project");
  const tmp = join(root, "tmp");
  mkdirSync(dir);
  mkdirSync(tmp);
  execFileSync("git", ["init", "-q", dir], { stdio: "ignore" });
  const pty = new TmuxSession(tmux.path!, root);
  session = pty;
  pty.start([process.execPath, LAUNCHER, "init"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TMPDIR: tmp },
  });
  return { dir, tmp, pty };
}

/** The active prompt (clack marks it with ◆, or ▲ while its answer is invalid). */
const prompt = (text: string) => new RegExp(`[◆▲]\\s+${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

async function answer(pty: TmuxSession, question: string, text: string): Promise<void> {
  await pty.waitFor(prompt(question));
  pty.type(text);
  pty.press("Enter");
}

test.skipIf(!tmux.path)(
  "typed answers make working files, the TOTP shown matches, the rehearsal passes, no secret on screen",
  async () => {
    const { dir, tmp, pty } = startInit();

    await pty.waitFor(prompt("How should upstox-token log in to Upstox?"));
    pty.press("Enter"); // the headless TOTP flow, preselected
    await pty.waitFor(/Open the Upstox developer apps page/);
    await answer(pty, "API key (client id)", DEMO_APP.apiKey);
    await answer(pty, "API secret", DEMO_APP.apiSecret);
    // The prompt shows the usual redirect URI (the demo app's): Enter takes it, it is not just a hint.
    expect(DEMO_APP.redirectUri).toBe("http://127.0.0.1:8976/callback");
    await answer(pty, "Redirect URI (Enter takes http://127.0.0.1:8976/callback)", "");

    // A person mistypes the mobile number: the prompt says what is wrong and waits for a fix.
    await answer(pty, "Mobile number", "98765");
    await pty.waitFor(/10-digit mobile number without \+91/);
    pty.press(...Array<string>(5).fill("BSpace"));
    pty.type(DEMO_USER.mobile);
    pty.press("Enter");
    await answer(pty, "Upstox login PIN (6 digits)", DEMO_USER.pin);
    const typedAt = Date.now();
    await answer(pty, "TOTP secret", DEMO_USER.totpSecret);

    const shown = await pty.waitFor(/Current TOTP code: (\d{6}) \(valid (\d+)s more\)/);
    const secret = new Secret(DEMO_USER.totpSecret);
    expect([totpNow(secret, typedAt).code, totpNow(secret, Date.now()).code]).toContain(shown[1]!);
    expect(Number(shown[2])).toBeGreaterThanOrEqual(1);
    expect(Number(shown[2])).toBeLessThanOrEqual(30);
    await pty.waitFor(prompt("Does your authenticator app show the same code"));
    pty.press("Enter");

    await pty.waitFor(prompt("Where should the token be stored?"));
    pty.press("Down", "Space", "Enter"); // .env is preselected; add SQLite
    await answer(pty, ".env file the token goes to", ""); // keep .env
    await answer(pty, "SQLite file", ""); // keep upstox-tokens.db
    const summary = await pty.waitFor(/Summary[\s\S]*Write these files\?/);
    expect(summary[0]).toContain("98******10");
    pty.press("Enter");
    await pty.waitFor(prompt("Rehearse now against a local Upstox emulator?"));
    pty.press("Enter");

    expect(await pty.exitCode()).toBe(0);
    const screen = pty.screen();
    expect(screen).toContain("Rehearsal passed: logged in to a local Upstox emulator");
    // The command as it runs from here: the plain name on PATH, else the launcher's full path (issue 19).
    expect(screen).toMatch(
      /upstox-token(\.js)? generate-token --sink env:\.env --sink sqlite:upstox-tokens\.db/,
    );

    // Secrets were masked as typed and never printed: not on the screen, not in any byte written to it.
    expect(screen).toContain("▪".repeat(DEMO_APP.apiSecret.length));
    expect(screen).toContain("▪".repeat(DEMO_USER.pin.length));
    expect(pty.rawOutput()).toContain("upstox-token init"); // the byte log is really recorded
    for (const text of [screen, pty.rawOutput()]) {
      expect(text).not.toContain(DEMO_USER.pin);
      expect(text).not.toContain(DEMO_APP.apiSecret);
      expect(text).not.toContain(DEMO_USER.totpSecret);
    }

    // .env: mode 0600, the typed values.
    const envFile = join(dir, ".env");
    expect(modeOf(envFile)).toBe(0o600);
    expect(readEnvironment({}, envFile)).toEqual({
      UPSTOX_USERNAME: DEMO_USER.mobile,
      UPSTOX_PIN_CODE: DEMO_USER.pin,
      UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
      UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
      UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
      UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
    });
    // .gitignore: .env and the SQLite file (with -wal/-shm).
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain("\n.env\nupstox-tokens.db*\n");
    // The config: only ${VAR} references.
    const configFile = join(dir, "upstox-token.config.json");
    const credentials = credentialValues(configFile);
    expect(Object.keys(credentials)).toEqual([
      "mobile",
      "pin",
      "totpSecret",
      "clientId",
      "clientSecret",
      "redirectUri",
    ]);
    for (const value of Object.values(credentials)) expect(value).toMatch(/^\$\{UPSTOX_[A-Z_]+\}$/);

    // The rehearsal wrote a token to its own sinks in the temp folder, and not to the real ones.
    const folder = rehearsalFolder(tmp);
    expect(screen).toContain(folder);
    const envToken = readEnvironment({}, join(folder, ".env")).UPSTOX_ACCESS_TOKEN;
    expect(envToken).toMatch(/^eyJ/);
    expect((await sqliteToken(join(folder, "upstox-tokens.db")))?.accessToken.reveal()).toBe(envToken!);
    expect(readEnvironment({}, envFile).UPSTOX_ACCESS_TOKEN).toBeUndefined();
    expect(existsSync(join(dir, "upstox-tokens.db"))).toBe(false);

    // The daemon accepts the config with the variables of the .env that was typed in.
    if (existsSync(DAEMON_BIN)) {
      const daemon = await daemonDryRun(configFile, envFile);
      expect(daemon.stdout).toContain("dry run: config valid, sinks checked");
      expect(daemon.code).toBe(0);
    }
  },
  60_000,
);

test.skipIf(!tmux.path)(
  "Ctrl-C at a prompt cancels: exit 2, nothing written",
  async () => {
    const { dir, pty } = startInit();
    await pty.waitFor(prompt("How should upstox-token log in to Upstox?"));
    pty.press("Enter");
    await answer(pty, "API key (client id)", DEMO_APP.apiKey);
    await pty.waitFor(prompt("API secret"));
    pty.press("C-c");
    expect(await pty.exitCode()).toBe(2);
    expect(pty.screen()).toContain("Cancelled; nothing was written.");
    expect(readdirSync(dir)).toEqual([".git"]);
  },
  30_000,
);
