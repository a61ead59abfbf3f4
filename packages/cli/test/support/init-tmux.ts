import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Drives a program in a real pseudo-terminal through tmux, as a person would: keys go in with send-keys, the
 * rendered screen comes back with capture-pane, and every byte the program wrote is kept (pipe-pane) so a test
 * can check what was ever printed, not only what is left on screen.
 */

/** tmux's path; when it is missing and this is a root shell with apt-get (CI, containers), it is installed. */
export function findOrInstallTmux(): { path?: string; why?: string } {
  const found = Bun.which("tmux");
  if (found) return { path: found };
  if (process.getuid?.() !== 0 || !Bun.which("apt-get")) {
    return { why: "tmux is not installed and this is not a root shell with apt-get to install it" };
  }
  console.warn("init-pty: tmux is missing; installing it with apt-get (Debian's tmux package)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let install = spawnSync("apt-get", ["install", "-y", "-qq", "tmux"], {
    env,
    stdio: "ignore",
    timeout: 180_000,
  });
  if (install.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 180_000 });
    install = spawnSync("apt-get", ["install", "-y", "-qq", "tmux"], {
      env,
      stdio: "ignore",
      timeout: 180_000,
    });
  }
  const after = Bun.which("tmux");
  return after ? { path: after } : { why: `apt-get install tmux failed (exit ${install.status})` };
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

export class TmuxSession {
  readonly #tmux: string;
  readonly #socket: string;
  readonly #rawLog: string;
  readonly #statusFile: string;
  readonly #name = "init";

  constructor(tmux: string, workDir: string) {
    this.#tmux = tmux;
    this.#socket = join(workDir, "tmux.sock");
    this.#rawLog = join(workDir, "pty-output.log");
    this.#statusFile = join(workDir, "exit-status");
  }

  #run(args: string[]): string {
    const result = spawnSync(this.#tmux, ["-S", this.#socket, ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm-256color" },
    });
    if (result.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  }

  /**
   * Starts `argv` in `cwd` with exactly `env` in a 120x50 terminal. The program waits for a go signal until the
   * byte log is attached, so even its first line is recorded.
   */
  start(argv: string[], options: { cwd: string; env: Record<string, string> }): void {
    const go = `${this.#socket}.go`;
    const launcher = `${this.#socket}.sh`;
    const vars = Object.entries(options.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    writeFileSync(
      launcher,
      `while [ ! -e ${shellQuote(go)} ]; do sleep 0.02; done\n` +
        `env -i TERM="$TERM" ${vars.join(" ")} ${argv.map(shellQuote).join(" ")}\n` +
        `echo $? > ${shellQuote(`${this.#statusFile}.tmp`)} && mv ${shellQuote(`${this.#statusFile}.tmp`)} ${shellQuote(this.#statusFile)}\n`,
    );
    this.#run([
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      this.#name,
      "-x",
      "120",
      "-y",
      "50",
      "-c",
      options.cwd,
      `sh ${shellQuote(launcher)}`,
      ";",
      "set-option",
      "-t",
      this.#name,
      "remain-on-exit",
      "on",
      ";",
      "set-option",
      "-t",
      this.#name,
      "history-limit",
      "5000",
    ]);
    this.#run(["pipe-pane", "-o", "-t", this.#name, `cat >> ${shellQuote(this.#rawLog)}`]);
    writeFileSync(go, "");
  }

  /** The screen and its scrollback as text, wrapped lines joined. */
  screen(): string {
    return this.#run(["capture-pane", "-p", "-J", "-S", "-", "-t", this.#name]);
  }

  /** Every byte the program wrote to the terminal, escape sequences included. */
  rawOutput(): string {
    return existsSync(this.#rawLog) ? readFileSync(this.#rawLog, "utf8") : "";
  }

  /** Polls the screen until `pattern` shows (bounded); the error carries the screen as it was. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      const match = pattern.exec(screen);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen:\n${screen}`);
      await Bun.sleep(40);
    }
  }

  /** Types text literally (no key names). */
  type(text: string): void {
    this.#run(["send-keys", "-t", this.#name, "-l", text]);
  }

  /** Presses keys by tmux name: Enter, Down, Space, BSpace, C-c. */
  press(...keys: string[]): void {
    this.#run(["send-keys", "-t", this.#name, ...keys]);
  }

  /** Waits for the program to end and returns its exit status (the launcher writes it down). */
  async exitCode(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // tmux 3.3 sometimes never reports #{pane_dead_status}; the launcher's own record is reliable.
      if (existsSync(this.#statusFile)) return Number(readFileSync(this.#statusFile, "utf8").trim());
      if (Date.now() > deadline) throw new Error(`the program did not exit; the screen:\n${this.screen()}`);
      await Bun.sleep(50);
    }
  }

  /** Stops this test's own tmux server (its socket is private to the test). */
  close(): void {
    spawnSync(this.#tmux, ["-S", this.#socket, "kill-server"], { stdio: "ignore" });
  }
}
