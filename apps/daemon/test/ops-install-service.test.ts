import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@upstox-token/core";
import { installService, LAUNCHD_LABEL, renderInstallService } from "../src/service/install-service.js";
import { serviceWritablePaths } from "../src/service/service-paths.js";
import { type RuntimeProbe, serviceExecutable } from "../src/service/service-runtime.js";
import { currentUserName } from "../src/service/service-user.js";
import { DAEMON_BIN } from "./support/helpers.js";

let work: string;
let configPath: string;
let envFile: string;
let sinkDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ops-install-"));
  configPath = join(work, "upstox-token.config.json");
  envFile = join(work, "secrets.env");
  sinkDir = join(work, "tokens");
  await writeFile(configPath, "{}\n");
  await writeFile(envFile, "UPSTOX_PIN_CODE='12 34$56'\n", { mode: 0o600 });
  await mkdir(sinkDir);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Directive → values, per section; a structural read of a unit file. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = {};
      sections[header[1]!] = current;
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit line: ${line}`);
    const values = current[kv[1]!] ?? [];
    values.push(kv[2]!);
    current[kv[1]!] = values;
  }
  return sections;
}

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const hasPlistlib = spawnSync("python3", ["-c", "import plistlib"]).status === 0;
if (!hasSystemdAnalyze)
  console.warn("ops-install-service: systemd-analyze not found; unit files get structural checks only");
if (!hasPlistlib)
  console.warn("ops-install-service: python3 plistlib not found; the plist gets structural checks only");

/** Parses a plist with Python's plistlib (strict XML; what launchd reads). */
function parsePlist(content: string): unknown {
  const parsed = spawnSync(
    "python3",
    ["-c", "import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))"],
    { input: content, encoding: "utf8" },
  );
  expect(parsed.stderr).toBe("");
  return JSON.parse(parsed.stdout);
}

/** `systemd-analyze verify` exits 0 even for unknown keys, so its stderr must be empty too. */
async function verifyUnit(content: string): Promise<void> {
  const dir = await mkdtemp(join(work, "unit-"));
  const file = join(dir, "upstox-token-daemon.service");
  await writeFile(file, content);
  const result = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: "" });
}

describe("renderInstallService: systemd", () => {
  test("a system unit: restart on failure, reload by HUP, secrets through --env-file, state and sinks writable", async () => {
    const stateDir = join(work, "state");
    const { path, content } = renderInstallService({
      kind: "systemd-system",
      configPath,
      execPath: process.execPath,
      execArgs: [join(work, "dist dir", "bin.js")],
      user: userInfo().username,
      envFile,
      readWritePaths: [sinkDir, `${sinkDir}/`],
      stateDir,
    });
    expect(path).toBe("/etc/systemd/system/upstox-token-daemon.service");
    const unit = parseUnit(content);
    const service = unit.Service!;
    // The tests run under Bun: a Bun script with an env file gets --no-env-file (Bun's own ./.env loading off).
    expect(service.ExecStart).toEqual([
      `${process.execPath} --no-env-file "${join(work, "dist dir", "bin.js")}" --config ${configPath} --env-file ${envFile}`,
    ]);
    expect(service.EnvironmentFile).toBeUndefined();
    expect(service.ExecReload).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(service.Environment).toEqual([
      `UPSTOX_STATE_DIR=${stateDir}`,
      `UPSTOX_TOKEN_LOCK_DIR=${join(stateDir, "locks")}`,
    ]);
    expect(service.User).toEqual([userInfo().username]);
    expect(service.Restart).toEqual(["on-failure"]);
    expect(service.RestartPreventExitStatus).toEqual(["2"]);
    expect(service.NoNewPrivileges).toEqual(["yes"]);
    expect(service.ProtectSystem).toEqual(["strict"]);
    expect(service.ReadWritePaths).toEqual([`${sinkDir} ${stateDir}`]);
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
    expect(unit.Install!.WantedBy).toEqual(["multi-user.target"]);
    expect(unit.Unit!.After).toEqual(["network-online.target"]);
    expect(unit.Unit!.Wants).toEqual(["network-online.target"]);
    if (hasSystemdAnalyze) await verifyUnit(content);
  });

  test("a user unit goes under ~/.config/systemd/user, wanted by default.target, without User=", async () => {
    const { path, content } = renderInstallService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home: "/home/someone",
    });
    expect(path).toBe("/home/someone/.config/systemd/user/upstox-token-daemon.service");
    const unit = parseUnit(content);
    expect(unit.Service!.User).toBeUndefined();
    expect(unit.Service!.EnvironmentFile).toBeUndefined();
    expect(unit.Service!.ReadWritePaths).toBeUndefined();
    expect(unit.Service!.ExecReload).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(unit.Install!.WantedBy).toEqual(["default.target"]);
    // network-online.target is a system unit: a user manager cannot order on it.
    expect(content).not.toContain("network-online");
    if (hasSystemdAnalyze) await verifyUnit(content);
  });

  test("ExecStart quotes what systemd would expand: %, $, quotes and spaces survive", async () => {
    const odd = join(work, 'we"ird 100% $HOME');
    const { content } = renderInstallService({
      kind: "systemd-user",
      configPath: odd,
      execPath: process.execPath,
    });
    expect(parseUnit(content).Service!.ExecStart).toEqual([
      `${process.execPath} --config "${join(work, 'we\\"ird 100%% $$HOME')}"`,
    ]);
  });

  test("paths with spaces: one path per line as is, ReadWritePaths quoted; systemd reads them back", async () => {
    const spaced = join(work, "my folder");
    await mkdir(spaced, { recursive: true });
    await writeFile(join(spaced, "secrets.env"), "A=1\n");
    const { content } = renderInstallService({
      kind: "systemd-system",
      configPath: join(spaced, "config.json"),
      execPath: process.execPath,
      envFile: join(spaced, "secrets.env"),
      readWritePaths: [spaced, sinkDir],
    });
    const service = parseUnit(content).Service!;
    expect(service.WorkingDirectory).toEqual([spaced]);
    expect(service.ExecStart![0]).toEndWith(`--env-file "${join(spaced, "secrets.env")}"`);
    expect(service.ReadWritePaths).toEqual([`"${spaced}" ${sinkDir}`]);
    if (hasSystemdAnalyze) await verifyUnit(content);
  });

  test("relative paths are refused with a ConfigError", () => {
    expect(() =>
      renderInstallService({ kind: "systemd-user", configPath: "cfg.json", execPath: process.execPath }),
    ).toThrow(ConfigError);
    expect(() =>
      renderInstallService({
        kind: "launchd",
        configPath,
        execPath: process.execPath,
        envFile: "secrets.env",
      }),
    ).toThrow(/absolute/);
  });
});

describe("renderInstallService: launchd", () => {
  test("a plist that parses, keeps the daemon alive on failure and logs to ~/Library/Logs", () => {
    const { path, content } = renderInstallService({
      kind: "launchd",
      configPath,
      execPath: "/opt/upstox-token/upstox-token-daemon",
      home: "/Users/someone",
    });
    expect(path).toBe(`/Users/someone/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`);
    expect(content).toStartWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist');
    if (hasPlistlib) {
      const parsed = spawnSync(
        "python3",
        ["-c", "import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))"],
        {
          input: content,
          encoding: "utf8",
        },
      );
      expect(parsed.stderr).toBe("");
      expect(JSON.parse(parsed.stdout)).toEqual({
        Label: LAUNCHD_LABEL,
        ProgramArguments: ["/opt/upstox-token/upstox-token-daemon", "--config", configPath],
        WorkingDirectory: work,
        RunAtLoad: true,
        KeepAlive: { SuccessfulExit: false },
        ThrottleInterval: 30,
        Umask: 0o077,
        StandardOutPath: "/Users/someone/Library/Logs/upstox-token-daemon.log",
        StandardErrorPath: "/Users/someone/Library/Logs/upstox-token-daemon.log",
      });
    } else {
      expect(content).toContain("<key>KeepAlive</key>");
      expect(content).toContain("<key>RunAtLoad</key>\n  <true/>");
    }
  });

  test.skipIf(!hasPlistlib)(
    "with an env file: the daemon's own --env-file reads it (export, inline comments), state folder set",
    async () => {
      const dir = await mkdtemp(join(work, "launchd-"));
      const secrets = join(dir, "secrets.env");
      await writeFile(
        secrets,
        [
          "# what the daemon needs",
          "export TEST_PIN=123456   # the Upstox PIN",
          'TEST_TOTP="JBSWY3DPEHPK3PXP" # base32',
          "TEST_SECRET='s3cr#t'",
          "",
        ].join("\n"),
        { mode: 0o600 },
      );
      const config = join(dir, "upstox-token.config.json");
      await writeFile(
        config,
        JSON.stringify({
          accounts: [
            {
              name: "main",
              credentials: {
                mobile: "9876543210",
                pin: `\${TEST_PIN}`,
                totpSecret: `\${TEST_TOTP}`,
                clientId: "app-id",
                clientSecret: `\${TEST_SECRET}`,
                redirectUri: "http://127.0.0.1:5055/callback",
              },
            },
          ],
          sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
        }),
      );
      const stateDir = join(dir, "state");
      const { content } = renderInstallService({
        kind: "launchd",
        configPath: config,
        execPath: Bun.which("bun") ?? process.execPath,
        execArgs: [DAEMON_BIN],
        envFile: secrets,
        stateDir,
        home: "/Users/someone",
      });
      expect(content).not.toContain("/bin/sh");
      const plist = parsePlist(content) as {
        ProgramArguments: string[];
        EnvironmentVariables: Record<string, string>;
      };
      expect(plist.ProgramArguments.slice(-4)).toEqual(["--config", config, "--env-file", secrets]);
      if (Bun.which("bun")) expect(plist.ProgramArguments.slice(1, 3)).toEqual(["--no-env-file", DAEMON_BIN]);
      expect(plist.EnvironmentVariables).toEqual({
        UPSTOX_STATE_DIR: stateDir,
        UPSTOX_TOKEN_LOCK_DIR: join(stateDir, "locks"),
      });
      // Run what launchd would run, in a bare environment, as a dry run that stays offline.
      const args = [...plist.ProgramArguments, "--dry-run", "--offline"];
      const run = spawnSync(args[0]!, args.slice(1), {
        encoding: "utf8",
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir, ...plist.EnvironmentVariables },
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
      expect(run.stdout).toContain("main (totp) → sqlite");
    },
  );
});

test("--no-env-file only where Bun runs a script with an env file: Node, a compiled binary and no env file keep the command", () => {
  const execStart = (execPath: string, execArgs: string[], withEnvFile: boolean) =>
    parseUnit(
      renderInstallService({
        kind: "systemd-user",
        configPath,
        execPath,
        execArgs,
        ...(withEnvFile ? { envFile } : {}),
        home: "/home/someone",
      }).content,
    ).Service!.ExecStart![0];
  expect(execStart("/usr/bin/bun", ["/srv/bin.js"], true)).toBe(
    `/usr/bin/bun --no-env-file /srv/bin.js --config ${configPath} --env-file ${envFile}`,
  );
  expect(execStart("/usr/bin/bun", ["/srv/bin.js"], false)).toBe(
    `/usr/bin/bun /srv/bin.js --config ${configPath}`,
  );
  expect(execStart("/usr/bin/node", ["/srv/bin.js"], true)).toBe(
    `/usr/bin/node /srv/bin.js --config ${configPath} --env-file ${envFile}`,
  );
  expect(execStart("/opt/upstox-token/upstox-token-daemon", [], true)).toBe(
    `/opt/upstox-token/upstox-token-daemon --config ${configPath} --env-file ${envFile}`,
  );
});

describe("installService", () => {
  test("prints the unit and next steps without --write; writes it (0644) with --write; then reports it unchanged", async () => {
    const home = join(work, "home");
    let printed = "";
    const out = (text: string) => {
      printed += text;
    };
    const dry = await installService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home,
      write: false,
      out,
    });
    expect(dry.written).toBe(false);
    expect(printed).toStartWith(dry.content);
    expect(printed).toContain("loginctl enable-linger");
    await expect(stat(dry.path)).rejects.toThrow();

    printed = "";
    const written = await installService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home,
      write: true,
      out,
    });
    expect(written).toMatchObject({
      written: true,
      path: join(home, ".config/systemd/user/upstox-token-daemon.service"),
    });
    expect(await readFile(written.path, "utf8")).toBe(dry.content);
    expect((await stat(written.path)).mode & 0o777).toBe(0o644);
    expect(printed).toContain("systemctl --user enable --now upstox-token-daemon");

    const again = await installService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home,
      write: true,
      out,
    });
    expect(again).toMatchObject({ written: false, unchanged: true });
  });

  test("resolves a relative config path, defaults a system unit's user to the current one, refuses a missing config", async () => {
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const result = await installService({
        kind: "systemd-system",
        configPath: "upstox-token.config.json",
        execPath: process.execPath,
        write: false,
        out: () => {},
      });
      expect(parseUnit(result.content).Service!.ExecStart![0]).toEndWith(`--config ${configPath}`);
      expect(parseUnit(result.content).Service!.User).toEqual([currentUserName()]);
      await expect(
        installService({
          configPath: "missing.json",
          execPath: process.execPath,
          write: false,
          out: () => {},
        }),
      ).rejects.toThrow(/does not exist/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("install-service: units that work for the user's CLI too", () => {
  const bun = Bun.which("bun") ?? process.execPath;

  test("every unit it writes (user and system) passes systemd-analyze verify; state, sinks and custom sinks writable", async () => {
    const dir = await mkdtemp(join(work, "verify-"));
    const config = join(dir, "upstox-token.config.json");
    const raw = {
      accounts: [],
      sinks: [
        { use: "sqlite", options: { path: "db/tokens.db" } },
        {
          use: "./my-sink.ts",
          options: { outDir: join(dir, "custom-out"), statusFile: "/var/tmp/x/s.json" },
        },
      ],
    };
    await writeFile(config, JSON.stringify(raw));
    const stateDir = join(dir, "state");
    for (const kind of ["systemd-user", "systemd-system"] as const) {
      const result = await installService({
        kind,
        configPath: config,
        execPath: bun,
        execArgs: [DAEMON_BIN],
        envFile,
        readWritePaths: serviceWritablePaths(raw, config, {}),
        env: { UPSTOX_STATE_DIR: stateDir, HOME: dir },
        write: false,
        out: () => {},
      });
      const service = parseUnit(result.content).Service!;
      expect(result.stateDir).toBe(stateDir);
      expect(service.Environment).toEqual([
        `UPSTOX_STATE_DIR=${stateDir}`,
        `UPSTOX_TOKEN_LOCK_DIR=${join(stateDir, "locks")}`,
      ]);
      expect(service.ReadWritePaths).toEqual([
        `${dir} -${join(dir, "db")} -${join(dir, "custom-out")} -/var/tmp/x ${stateDir}`,
      ]);
      expect(service.ExecStart).toEqual([
        `${bun} --no-env-file ${DAEMON_BIN} --config ${config} --env-file ${envFile}`,
      ]);
      expect(service.ExecReload).toEqual(["/bin/kill -HUP $MAINPID"]);
      expect(result.content).not.toContain("EnvironmentFile");
      expect(result.content.includes("network-online.target")).toBe(kind === "systemd-system");
      if (hasSystemdAnalyze) await verifyUnit(result.content);
    }
  });

  test("--user is checked against the user database, and the paths are that user's, not the installer's", async () => {
    const other = spawnSync("getent", ["passwd", "daemon"], { encoding: "utf8" }).stdout.split(":");
    const result = await installService({
      kind: "systemd-system",
      configPath,
      execPath: process.execPath,
      user: "daemon",
      env: { UPSTOX_STATE_DIR: join(work, "the-installer's-state"), HOME: "/root" },
      write: false,
      out: () => {},
    });
    const service = parseUnit(result.content).Service!;
    expect(service.User).toEqual(["daemon"]);
    expect(result.stateDir).toBe(join(other[5]!, ".local", "state", "upstox-token"));
    expect(service.Environment![0]).toBe(`UPSTOX_STATE_DIR=${result.stateDir}`);
    if (hasSystemdAnalyze) await verifyUnit(result.content);

    const missing = installService({
      kind: "systemd-system",
      configPath,
      execPath: process.execPath,
      user: "no-such-user-7f3a",
      write: false,
      out: () => {},
    });
    await expect(missing).rejects.toThrow(ConfigError);
    await expect(missing).rejects.toThrow(/--user no-such-user-7f3a: no such user/);
    await expect(
      installService({ kind: "systemd-user", configPath, user: "daemon", write: false, out: () => {} }),
    ).rejects.toThrow(/--user is for --kind systemd-system/);

    const cli = spawnSync(
      "bun",
      [
        DAEMON_BIN,
        "install-service",
        "--kind",
        "systemd-system",
        "--user",
        "no-such-user-7f3a",
        "--config",
        configPath,
      ],
      { encoding: "utf8" },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain("--user no-such-user-7f3a: no such user on this machine");
  });

  test("--write creates the state folder (0700) the unit names; printing only says how", async () => {
    const dir = await mkdtemp(join(work, "state-"));
    const stateDir = join(dir, "deep", "state");
    let printed = "";
    await installService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home: dir,
      env: { UPSTOX_STATE_DIR: stateDir },
      write: false,
      out: (text) => {
        printed += text;
      },
    });
    expect(printed).toContain(`mkdir -p -m 0700 ${stateDir}`);
    await expect(stat(stateDir)).rejects.toThrow();
    await installService({
      kind: "systemd-user",
      configPath,
      execPath: process.execPath,
      home: dir,
      env: { UPSTOX_STATE_DIR: stateDir },
      write: true,
      out: () => {},
    });
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
  });
});

describe("serviceExecutable: the runtime a unit names", () => {
  const probe = (overrides: Partial<RuntimeProbe>): RuntimeProbe => ({
    script: "/opt/app/node_modules/@upstox-token/daemon/bin/upstox-token-daemon.js",
    execPath: "/usr/lib/node_modules/bun/bin/bun.exe",
    bunVersion: "1.4.4",
    nodeVersion: "24.3.0",
    which: (name) => (name === "bun" ? "/usr/bin/bun" : null),
    realpath: (path) => (path === "/usr/bin/bun" ? "/usr/lib/node_modules/bun/bin/bun.exe" : path),
    ...overrides,
  });
  const script = ["/opt/app/node_modules/@upstox-token/daemon/bin/upstox-token-daemon.js"];

  test("under Bun: PATH's bun when it is this binary (not npm's bin/bun.exe), else the binary that runs", () => {
    expect(serviceExecutable(probe({}))).toEqual({ execPath: "/usr/bin/bun", execArgs: script });
    expect(serviceExecutable(probe({ which: () => "/home/me/.bun/bin/bun" }))).toEqual({
      execPath: "/usr/lib/node_modules/bun/bin/bun.exe",
      execArgs: script,
    });
    expect(serviceExecutable(probe({ which: () => null })).execPath).toBe(
      "/usr/lib/node_modules/bun/bin/bun.exe",
    );
  });

  test("under a Node older than 22.14 (the shebang's pick): Bun from PATH; a new enough Node stays", () => {
    const node = { bunVersion: undefined, execPath: "/usr/bin/node" };
    expect(serviceExecutable(probe({ ...node, nodeVersion: "20.19.0" })).execPath).toBe("/usr/bin/bun");
    expect(serviceExecutable(probe({ ...node, nodeVersion: "22.13.1" })).execPath).toBe("/usr/bin/bun");
    expect(serviceExecutable(probe({ ...node, nodeVersion: "22.14.0" })).execPath).toBe("/usr/bin/node");
    expect(serviceExecutable(probe({ ...node, nodeVersion: "20.0.0", which: () => null })).execPath).toBe(
      "/usr/bin/node",
    );
  });

  test("a compiled binary runs alone", () => {
    expect(
      serviceExecutable(probe({ script: "/$bunfs/root/upstox-token-daemon", execPath: "/opt/d" })),
    ).toEqual({
      execPath: "/opt/d",
      execArgs: [],
    });
  });
});
