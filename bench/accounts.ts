/**
 * Many accounts: 500 headless logins through the daemon against the emulator with 50 ms latency per request
 * and concurrency 16. Floor: 500 × 6 round trips × 50 ms / 16 = 9.375 s. Then the daemon's idle cost between
 * runs: RSS and CPU over 60 s of a scheduled daemon whose tokens are all valid.
 *
 *   bun bench/accounts.ts [--accounts 500] [--latency 50] [--concurrency 16] [--idle 60] [--bin <daemon binary>]
 *                         [--verify-on-start true|false]
 *
 * `--bin` runs phases B and C with a compiled daemon (`bun run build:bin`) instead of `bun apps/daemon/src/bin.ts`.
 *
 * Three phases, one emulator (in this process):
 *   A. in-process `startDaemon` + `runOnce()`: the login pipeline's time against the floor. The flow's clock
 *      is pinned to mid-TOTP-window, as in login.ts: a login that starts in the last 3 s of a 30 s window
 *      waits for the next one on purpose (policy, not throughput). Peak RSS here includes the emulator.
 *   B. the real daemon process (`upstox-token-daemon --once`), real clock: wall time from spawn to exit
 *      (start-up, config, sink checks and the TOTP-window waits included), and the daemon's own peak RSS.
 *   C. the real daemon process, scheduled mode, all tokens valid: RSS and CPU sampled over the idle period
 *      (a daemon that has not logged in since it started).
 *   D. the same, but started with an empty database: it logs in every account at start, then idles (the daily
 *      reality: one login cycle, then a day of waiting). Sampled over the same idle period once the logins end.
 * Pacing is off (`pace: false`): the default 20 requests/s per host would make the floor 150 s by design.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startDaemon } from "@upstox-token/daemon";
import { DEMO_APP, startEmulator } from "@upstox-token/emulator";
import { ratio, writeResult } from "./stats.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const accounts = Number(args.get("--accounts") ?? 500);
const latencyMs = Number(args.get("--latency") ?? 50);
const concurrency = Number(args.get("--concurrency") ?? 16);
const idleSeconds = Number(args.get("--idle") ?? 60);
// The daemon's default checks every stored token with Upstox at start (one profile call per account): that is
// HTTP (and its modules) in a daemon that otherwise would not log in. `--verify-on-start false` measures without.
const verifyOnStart = (args.get("--verify-on-start") ?? "true") !== "false";
const ROUND_TRIPS = 6;
const floorMs = (accounts * ROUND_TRIPS * latencyMs) / concurrency;
const binArg = args.get("--bin");
const daemonCommand = binArg
  ? [resolve(binArg)]
  : [process.execPath, resolve(import.meta.dir, "..", "apps", "daemon", "src", "bin.ts")];
const PIN = "246810";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const totpSecret = () => [...randomBytes(16)].map((b) => BASE32[b % 32]).join("");

const emulator = await startEmulator({ latencyMs, otpRateLimit: null });
const users = Array.from({ length: accounts }, (_, i) => {
  const user = {
    mobile: `7${String(i).padStart(9, "0")}`,
    pin: PIN,
    totpSecret: totpSecret(),
    name: `Bench ${i}`,
  };
  emulator.addUser(user);
  return user;
});

const work = await mkdtemp(join(tmpdir(), "bench-accounts-"));

async function writeConfig(name: string, db: string): Promise<string> {
  const config = {
    accounts: users.map((u, i) => ({
      name: `acct-${String(i).padStart(3, "0")}`,
      credentials: {
        mobile: u.mobile,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the daemon config's own ${ENV} interpolation
        pin: "${BENCH_PIN}",
        totpSecret: u.totpSecret,
        clientId: DEMO_APP.apiKey,
        clientSecret: DEMO_APP.apiSecret,
        redirectUri: DEMO_APP.redirectUri,
        apiBase: emulator.apiBase,
        serviceBase: emulator.serviceBase,
      },
    })),
    sinks: [{ use: "sqlite", options: { path: db } }],
    lock: { use: "file", path: join(work, "locks") },
    concurrency,
    pace: false,
    verifyOnStart,
  };
  const file = join(work, name);
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

function loginsInLog(): number {
  return emulator.log.filter((entry) => entry.step === "token").length;
}

// ---- A: in-process, pipeline time against the floor -------------------------------------------------------
const midWindow = () => {
  const t = Date.now();
  return t - (t % 30_000) + 10_000;
};
const configA = await writeConfig("a.config.json", join(work, "a.db"));
const daemonA = await startDaemon({
  configPath: configA,
  env: { BENCH_PIN: PIN },
  schedule: false,
  clock: {
    now: midWindow,
    setTimer: (cb, ms) => setTimeout(cb, ms),
    clearTimer: (h) => clearTimeout(h as Timer),
  },
});
emulator.clearLog();
const startedA = performance.now();
const summaryA = await daemonA.runOnce();
const msA = performance.now() - startedA;
const requestsA = emulator.log.length;
const loginsA = loginsInLog();
const failedA = summaryA.accounts.filter((a) => a.result !== "refreshed").length;
const firstFailure = summaryA.accounts.find((a) => a.result === "failed");
if (firstFailure) console.error("in-process run: first failure", firstFailure);
await daemonA.stop();
const rssPeakA = process.resourceUsage().maxRSS * 1024;

// ---- B: the daemon process, --once, real clock ------------------------------------------------------------
const configB = await writeConfig("b.config.json", join(work, "b.db"));
emulator.clearLog();
const startedB = performance.now();
const once = Bun.spawn([...daemonCommand, "--once", "--config", configB, "--log-level", "warn"], {
  env: { ...process.env, BENCH_PIN: PIN },
  stdout: "pipe",
  stderr: "pipe",
});
// VmHWM is the process's own peak RSS; read it until the process is gone (the last read is within 50 ms of exit).
let hwmB = 0;
let cpuMsB = 0;
const watchB = (async () => {
  while (once.exitCode === null && process.platform === "linux") {
    const status = await readFile(`/proc/${once.pid}/status`, "utf8").catch(() => "");
    const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    if (kb * 1024 > hwmB) hwmB = kb * 1024;
    const stat = (await readFile(`/proc/${once.pid}/stat`, "utf8").catch(() => ""))
      .split(") ")[1]
      ?.split(" ");
    if (stat) cpuMsB = Math.max(cpuMsB, ((Number(stat[11]) + Number(stat[12])) * 1000) / 100);
    await Bun.sleep(50);
  }
})();
const [codeB, stdoutB, stderrB] = await Promise.all([
  once.exited,
  new Response(once.stdout).text(),
  new Response(once.stderr).text(),
]);
const msB = performance.now() - startedB;
const loginsB = loginsInLog();
await watchB;
const rssPeakB = hwmB;
if (codeB !== 0)
  console.error(`daemon --once exited ${codeB}:\n${stdoutB.slice(-2000)}\n${stderrB.slice(-2000)}`);

// ---- C and D: the daemon process, scheduled, idle --------------------------------------------------------
const CLK_TCK = 100;
async function procSample(pid: number) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
  return {
    rssBytes: field("VmRSS") * 1024,
    hwmBytes: field("VmHWM") * 1024,
    cpuMs: ((Number(stat[11]) + Number(stat[12])) * 1000) / CLK_TCK,
    switches: field("voluntary_ctxt_switches") + field("nonvoluntary_ctxt_switches"),
  };
}

interface IdleResult {
  rssMaxBytes: number;
  rssEndBytes: number;
  /** After the first 15 s of the window: the memory a run left behind has been given back by then. */
  rssSettledBytes: number;
  peakBytes: number;
  cpuMs: number;
  cpuPercent: number;
  wakeupsPerSecond: number;
}

/** Samples a running daemon every 5 s for `idleSeconds` (Linux: reads /proc). */
async function sampleIdle(pid: number): Promise<IdleResult | null> {
  if (process.platform !== "linux") return null;
  const samples: Awaited<ReturnType<typeof procSample>>[] = [await procSample(pid)];
  for (let s = 0; s < idleSeconds; s += 5) {
    await Bun.sleep(5_000);
    samples.push(await procSample(pid));
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const cpuMs = last.cpuMs - first.cpuMs;
  const settled = samples.slice(3);
  return {
    rssMaxBytes: Math.max(...samples.map((s) => s.rssBytes)),
    rssEndBytes: last.rssBytes,
    rssSettledBytes: settled.length > 0 ? Math.max(...settled.map((s) => s.rssBytes)) : last.rssBytes,
    peakBytes: last.hwmBytes,
    cpuMs,
    cpuPercent: Number(((cpuMs / (idleSeconds * 1000)) * 100).toFixed(3)),
    wakeupsPerSecond: Number(((last.switches - first.switches) / idleSeconds).toFixed(2)),
  };
}

function spawnScheduled(config: string) {
  return Bun.spawn([...daemonCommand, "--config", config, "--log-level", "warn"], {
    env: { ...process.env, BENCH_PIN: PIN },
    stdout: "ignore",
    stderr: "pipe",
  });
}

// C: every token valid (phase B stored them): the daemon checks the sinks, finds nothing to do and idles.
emulator.clearLog();
const idle = spawnScheduled(configB);
// Let it start, check sinks and find every token valid (no login expected).
await Bun.sleep(5_000);
const idleC = await sampleIdle(idle.pid);
const loginsWhileIdle = loginsInLog();
idle.kill("SIGTERM");
const idleExit = await idle.exited;

// D: an empty database: the catch-up logs in every account, then the daemon idles until tomorrow's run.
const configD = await writeConfig("d.config.json", join(work, "d.db"));
emulator.clearLog();
const afterLogin = spawnScheduled(configD);
const startedD = performance.now();
while (loginsInLog() < accounts && afterLogin.exitCode === null && performance.now() - startedD < 300_000) {
  await Bun.sleep(100);
}
const loginsD = loginsInLog();
await Bun.sleep(5_000);
const idleD = await sampleIdle(afterLogin.pid);
const loginsWhileIdleD = loginsInLog() - loginsD;
afterLogin.kill("SIGTERM");
const idleExitD = await afterLogin.exited;
await emulator.close();
await rm(work, { recursive: true, force: true });

const mb = (bytes: number) => Number((bytes / 1_048_576).toFixed(1));
const result = {
  accounts,
  latencyMs,
  concurrency,
  floorMs,
  inProcess: {
    totalMs: Math.round(msA),
    vsFloor: Number((msA / floorMs).toFixed(3)),
    logins: loginsA,
    requests: requestsA,
    failedAccounts: failedA,
    peakRssMb: mb(rssPeakA),
    note: "TOTP-window waits excluded (clock pinned mid-window); RSS includes the emulator and 500 emulator users",
  },
  process: {
    exitCode: codeB,
    totalMs: Math.round(msB),
    vsFloor: Number((msB / floorMs).toFixed(3)),
    logins: loginsB,
    peakRssMb: mb(rssPeakB),
    cpuMs: cpuMsB,
    cpuMsPerLogin: Number((cpuMsB / Math.max(1, loginsB)).toFixed(2)),
    note: "real clock, process start-up included; CPU is the daemon process's own (user + system)",
  },
  idle: idleC && {
    seconds: idleSeconds,
    rssMaxMb: mb(idleC.rssMaxBytes),
    rssEndMb: mb(idleC.rssEndBytes),
    rssSettledMb: mb(idleC.rssSettledBytes),
    peakRssMb: mb(idleC.peakBytes),
    cpuMs: idleC.cpuMs,
    cpuPercent: idleC.cpuPercent,
    contextSwitchesPerSecond: idleC.wakeupsPerSecond,
    loginsWhileIdle,
    sigtermExitCode: idleExit,
    note: "every token valid at start: no login since the daemon started",
  },
  idleAfterLogin: idleD && {
    seconds: idleSeconds,
    loginsAtStart: loginsD,
    rssMaxMb: mb(idleD.rssMaxBytes),
    rssEndMb: mb(idleD.rssEndBytes),
    rssSettledMb: mb(idleD.rssSettledBytes),
    peakRssMb: mb(idleD.peakBytes),
    cpuMs: idleD.cpuMs,
    cpuPercent: idleD.cpuPercent,
    contextSwitchesPerSecond: idleD.wakeupsPerSecond,
    loginsWhileIdle: loginsWhileIdleD,
    sigtermExitCode: idleExitD,
    note: "empty database: every account logged in at start, then idle (sampling starts 5 s after the logins)",
  },
  daemon: binArg ? `compiled binary ${binArg}` : "bun apps/daemon/src/bin.ts (sources)",
  targets: { vsFloor: 1.3, peakRssMb: 150, idleRssMb: 60 },
  runtime: `bun ${Bun.version}`,
  date: new Date().toISOString(),
};

const ok = (pass: boolean) => (pass ? "ok" : "MISSED");
console.log(`${accounts} accounts, ${latencyMs} ms latency/request, concurrency ${concurrency}, pacing off`);
console.log(`daemon process: ${result.daemon}`);
console.log(
  `floor: ${accounts} × ${ROUND_TRIPS} × ${latencyMs} ms / ${concurrency} = ${(floorMs / 1000).toFixed(3)} s`,
);
console.log("");
console.log("phase                          time      vs floor   logins  peak RSS");
console.log(
  `A in-process runOnce()      ${(msA / 1000).toFixed(2).padStart(7)} s  ${ratio(msA, floorMs).padStart(8)} ${ok(msA / floorMs <= 1.3).padStart(6)}  ${String(loginsA).padStart(6)}  ${mb(rssPeakA)} MB (with emulator)`,
);
console.log(
  `B daemon --once (process)   ${(msB / 1000).toFixed(2).padStart(7)} s  ${ratio(msB, floorMs).padStart(8)} ${ok(msB / floorMs <= 1.3).padStart(6)}  ${String(loginsB).padStart(6)}  ${mb(rssPeakB)} MB ${ok(rssPeakB < 150 * 1_048_576)}, CPU ${cpuMsB} ms`,
);
const idleLine = (label: string, r: IdleResult, logins: number) =>
  `${label} ${idleSeconds} s: RSS ${mb(r.rssEndBytes)} MB at the end, ${mb(r.rssSettledBytes)} MB max after 15 s ${ok(r.rssSettledBytes < 60 * 1_048_576)} (max ${mb(r.rssMaxBytes)} MB), CPU ${r.cpuMs} ms (${r.cpuPercent} %), ${r.wakeupsPerSecond} context switches/s, ${logins} logins`;
if (idleC && idleD) {
  console.log(idleLine("C idle, no login since start", idleC, loginsWhileIdle));
  console.log(idleLine(`D idle after ${loginsD} logins`, idleD, loginsWhileIdleD));
} else {
  console.log("C, D idle: skipped (reads /proc; Linux only)");
}
console.log(`written to ${await writeResult(binArg ? "accounts-binary" : "accounts", result)}`);
