/**
 * Fleet mode: N accounts over D daemon processes sharing one Redis (one BullMQ queue), against the emulator in its
 * own process with 50 ms per request, concurrency 16 per daemon. Then the same accounts with 1 daemon.
 *
 *   bun bench/fleet.ts [--accounts 5000] [--daemons 3] [--latency 50] [--concurrency 16] [--compare true|false]
 *
 * Floor for D daemons: accounts × 6 round trips × latency / (D × concurrency); for 5,000 over 3 × 16 that is
 * 5,000 × 6 × 50 ms / 48 = 31.25 s (target ≤ 1.2×, 37.5 s). Wall time is from the first spawn to the last exit of
 * `upstox-token-daemon --once` (start-up, config, enqueue, TOTP-window waits included). Logins are counted at the
 * emulator (token exchanges per account: each must be exactly 1). Peak RSS is each process's VmHWM.
 * Pacing is off (`pace: false`, fleet `pace: false`): this measures the work, not the limits.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { ratio, writeResult } from "./stats.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const accounts = Number(args.get("--accounts") ?? 5000);
const daemons = Number(args.get("--daemons") ?? 3);
const latencyMs = Number(args.get("--latency") ?? 50);
const concurrency = Number(args.get("--concurrency") ?? 16);
const compare = (args.get("--compare") ?? "true") !== "false";
const ROUND_TRIPS = 6;
const PIN = "246810";
const root = resolve(import.meta.dir, "..");
const DAEMON = [process.execPath, join(root, "apps", "daemon", "src", "bin.ts")];
const EMULATOR = [process.execPath, join(root, "packages", "emulator", "src", "bin.ts")];
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const totpSecret = () => [...randomBytes(16)].map((b) => BASE32[b % 32]).join("");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => ok(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Samples a process's peak RSS (VmHWM) and CPU until it exits. */
function watch(pid: number, alive: () => boolean) {
  const result = { hwmBytes: 0, cpuMs: 0 };
  const done = (async () => {
    while (alive()) {
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
      const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      result.hwmBytes = Math.max(result.hwmBytes, kb * 1024);
      const stat = (await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "")).split(") ")[1]?.split(" ");
      if (stat) result.cpuMs = Math.max(result.cpuMs, (Number(stat[11]) + Number(stat[12])) * 10);
      await Bun.sleep(100);
    }
  })();
  return { result, done };
}

const work = await mkdtemp(join(tmpdir(), "bench-fleet-"));
const redisPort = await freePort();
const redis = Bun.spawn(["redis-server", "--port", String(redisPort), "--save", "", "--appendonly", "no"], {
  stdout: "ignore",
  stderr: "ignore",
});
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const redisCli = (...a: string[]) =>
  Bun.spawnSync(["redis-cli", "-p", String(redisPort), ...a])
    .stdout.toString()
    .trim();
while (redisCli("ping") !== "PONG") await Bun.sleep(50);

// The emulator in its own process: it must answer 3 × 16 logins at once without becoming the bottleneck.
const emulatorPort = await freePort();
const emulator = Bun.spawn(
  [
    ...EMULATOR,
    "--port",
    String(emulatorPort),
    "--latency",
    String(latencyMs),
    "--no-otp-limit",
    "--quiet",
    "--json",
  ],
  { stdout: "pipe", stderr: "inherit" },
);
const emu = `http://127.0.0.1:${emulatorPort}`;
const reader = emulator.stdout.getReader();
let banner = "";
while (!banner.includes("\n{")) banner += new TextDecoder().decode((await reader.read()).value);
const app = JSON.parse(banner.slice(banner.indexOf("{")).split("\n")[0] ?? "{}") as {
  apiBase: string;
  serviceBase: string;
  apiKey: string;
  apiSecret: string;
  redirectUri: string;
};
const emulatorWatch = watch(emulator.pid, () => emulator.exitCode === null);

const users = Array.from({ length: accounts }, (_, i) => ({
  mobile: `7${String(i).padStart(9, "0")}`,
  pin: PIN,
  totpSecret: totpSecret(),
  name: `Bench ${i}`,
}));
for (let i = 0; i < users.length; i += 50) {
  await Promise.all(
    users
      .slice(i, i + 50)
      .map((u) =>
        fetch(`${emu}/__emulator/users`, { method: "POST", body: JSON.stringify(u) }).then((r) =>
          r.arrayBuffer(),
        ),
      ),
  );
}

const config = join(work, "fleet.config.json");
await writeFile(
  config,
  JSON.stringify({
    accounts: users.map((u, i) => ({
      name: `acct-${String(i).padStart(4, "0")}`,
      credentials: {
        mobile: u.mobile,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the daemon config's own ${ENV} interpolation
        pin: "${BENCH_PIN}",
        totpSecret: u.totpSecret,
        clientId: app.apiKey,
        clientSecret: app.apiSecret,
        redirectUri: app.redirectUri,
        apiBase: app.apiBase,
        serviceBase: app.serviceBase,
      },
    })),
    sinks: [{ use: "redis", options: { url: redisUrl, prefix: "bench:" } }],
    concurrency,
    pace: false,
    verifyOnStart: false,
    fleet: { redis: redisUrl, pace: false },
  }),
  { mode: 0o600 },
);

interface Run {
  daemons: number;
  wallMs: number;
  /** From the first job's start to the last job's end (BullMQ's processedOn/finishedOn): the work without start-up. */
  workMs: number;
  floorMs: number;
  logins: number;
  accountsLoggedInOnce: number;
  accountsLoggedInTwice: number;
  exitCodes: number[];
  peakRssMb: number[];
  cpuMs: number[];
}

async function run(n: number): Promise<Run> {
  redisCli("flushall");
  await fetch(`${emu}/__emulator/log/clear`, { method: "POST" });
  const started = performance.now();
  const children = Array.from({ length: n }, () =>
    Bun.spawn([...DAEMON, "--once", "--config", config, "--log-level", "error"], {
      env: { ...process.env, BENCH_PIN: PIN, UPSTOX_TOKEN_LOCK_DIR: work, UPSTOX_STATE_DIR: work },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const outputs = children.map((c) => new Response(c.stdout).text());
  const watches = children.map((c) => watch(c.pid, () => c.exitCode === null));
  const exitCodes = await Promise.all(children.map((c) => c.exited));
  const wallMs = performance.now() - started;
  await Promise.all(watches.map((w) => w.done));
  for (const [i, c] of children.entries()) {
    if (exitCodes[i] !== 0) {
      const failed = (await outputs[i])
        ?.split("\n")
        .filter((l) => l.includes("FAILED") || l.includes("hint"));
      console.error(
        `daemon ${i} exited ${exitCodes[i]}: ${failed?.slice(0, 6).join("\n")}\n${(await new Response(c.stderr).text()).slice(-1500)}`,
      );
    }
  }
  const log = (await (await fetch(`${emu}/__emulator/log`)).json()) as {
    entries: { step: string; account?: string }[];
  };
  const perAccount = new Map<string, number>();
  for (const e of log.entries)
    if (e.step === "token" && e.account) perAccount.set(e.account, (perAccount.get(e.account) ?? 0) + 1);
  const counts = [...perAccount.values()];
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("upstox-token-refresh", { connection });
  const jobs = await queue.getCompleted(0, -1);
  const workMs =
    Math.max(...jobs.map((j) => j.finishedOn ?? 0)) - Math.min(...jobs.map((j) => j.processedOn ?? Infinity));
  await queue.close();
  connection.disconnect();
  return {
    daemons: n,
    wallMs: Math.round(wallMs),
    workMs,
    floorMs: (accounts * ROUND_TRIPS * latencyMs) / (n * concurrency),
    logins: counts.reduce((a, b) => a + b, 0),
    accountsLoggedInOnce: counts.filter((c) => c === 1).length,
    accountsLoggedInTwice: counts.filter((c) => c > 1).length,
    exitCodes,
    peakRssMb: watches.map((w) => Math.round(w.result.hwmBytes / 1e5) / 10),
    cpuMs: watches.map((w) => w.result.cpuMs),
  };
}

const runs: Run[] = [await run(daemons)];
if (compare && daemons !== 1) runs.push(await run(1));

emulator.kill();
await emulator.exited;
await emulatorWatch.done;
redis.kill();
await redis.exited;
await rm(work, { recursive: true, force: true });

console.log(
  `fleet bench: ${accounts} accounts, ${latencyMs} ms/request, concurrency ${concurrency} per daemon`,
);
console.log(
  "| daemons | wall | floor | ratio | work (first job → last) | ratio | logins | once | twice | peak RSS per daemon | CPU per daemon |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of runs) {
  console.log(
    `| ${r.daemons} | ${(r.wallMs / 1000).toFixed(1)} s | ${(r.floorMs / 1000).toFixed(2)} s | ${ratio(r.wallMs, r.floorMs)} | ${(r.workMs / 1000).toFixed(1)} s | ${ratio(r.workMs, r.floorMs)} | ${r.logins} | ${r.accountsLoggedInOnce} | ${r.accountsLoggedInTwice} | ${r.peakRssMb.map((m) => `${m} MB`).join(", ")} | ${r.cpuMs.map((c) => `${(c / 1000).toFixed(1)} s`).join(", ")} |`,
  );
}
console.log(
  `emulator (own process): peak RSS ${Math.round(emulatorWatch.result.hwmBytes / 1e6)} MB, CPU ${(emulatorWatch.result.cpuMs / 1000).toFixed(1)} s`,
);
const file = await writeResult("fleet", {
  accounts,
  latencyMs,
  concurrency,
  runs,
  emulator: { peakRssBytes: emulatorWatch.result.hwmBytes, cpuMs: emulatorWatch.result.cpuMs },
});
console.log(`written: ${file}`);
