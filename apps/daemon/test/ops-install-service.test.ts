import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@upstox-token/core";
import { installService, LAUNCHD_LABEL, renderInstallService } from "../src/service/install-service.js";
import { type RuntimeProbe, serviceExecutable } from "../src/service/service-runtime.js";

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

/** `systemd-analyze verify` exits 0 even for unknown keys, so its stderr must be empty too. */
async function verifyUnit(content: string): Promise<void> {
  const dir = await mkdtemp(join(work, "unit-"));
  const file = join(dir, "upstox-token-daemon.service");
  await writeFile(file, content);
  const result = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: "" });
}

describe("renderInstallService: systemd", () => {
  test("a system unit: restart on failure, hardened, secrets from EnvironmentFile, sink folders writable", async () => {
    const { path, content } = renderInstallService({
      kind: "systemd-system",
      configPath,
      execPath: process.execPath,
      execArgs: [join(work, "dist dir", "bin.js")],
      user: userInfo().username,
      envFile,
      readWritePaths: [sinkDir, `${sinkDir}/`],
    });
    expect(path).toBe("/etc/systemd/system/upstox-token-daemon.service");
    const unit = parseUnit(content);
    const service = unit.Service!;
    expect(service.ExecStart).toEqual([
      `${process.execPath} "${join(work, "dist dir", "bin.js")}" --config ${configPath}`,
    ]);
    expect(service.User).toEqual([userInfo().username]);
    expect(service.EnvironmentFile).toEqual([envFile]);
    expect(service.Restart).toEqual(["on-failure"]);
    expect(service.RestartPreventExitStatus).toEqual(["2"]);
    expect(service.NoNewPrivileges).toEqual(["yes"]);
    expect(service.ProtectSystem).toEqual(["strict"]);
    expect(service.PrivateTmp).toEqual(["yes"]);
    expect(service.ReadWritePaths).toEqual([sinkDir]);
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
    expect(unit.Install!.WantedBy).toEqual(["multi-user.target"]);
    expect(unit.Unit!.After).toEqual(["network-online.target"]);
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
    expect(unit.Install!.WantedBy).toEqual(["default.target"]);
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
    expect(service.EnvironmentFile).toEqual([join(spaced, "secrets.env")]);
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

  test("with an env file, the ProgramArguments really load it and exec the daemon with its arguments intact", async () => {
    const probe = join(work, "probe dir", "print-env.js");
    await mkdir(join(work, "probe dir"), { recursive: true });
    await writeFile(
      probe,
      "console.log(JSON.stringify({ pin: process.env.UPSTOX_PIN_CODE, argv: process.argv.slice(2) }));\n",
    );
    const { content } = renderInstallService({
      kind: "launchd",
      configPath,
      execPath: process.execPath,
      execArgs: [probe],
      envFile,
    });
    expect(content).toContain("&quot;$0&quot;");
    if (!hasPlistlib) return;
    const args = JSON.parse(
      spawnSync(
        "python3",
        [
          "-c",
          "import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())['ProgramArguments']))",
        ],
        {
          input: content,
          encoding: "utf8",
        },
      ).stdout,
    ) as string[];
    // Run exactly what launchd would run.
    const run = spawnSync(args[0]!, args.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ pin: "12 34$56", argv: ["--config", configPath] });
  });
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
      expect(parseUnit(result.content).Service!.User).toEqual([userInfo().username]);
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
