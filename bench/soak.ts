// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the daemon config's interpolation syntax
/**
 * Soak: ONE daemon process (the real `apps/daemon/src/bin.ts`) kept running through many daily cycles on a
 * faked wall clock, against the emulator, with troubles injected; reports per day whether the morning was
 * saved, the alerts sent, the PINs sent and the daemon's RSS.
 *
 * The clock: libfaketime (Debian's `faketime` package) preloaded into the daemon, driven through a timestamp
 * file (`FAKETIME_TIMESTAMP_FILE`, `FAKETIME_NO_CACHE=1`) that this bench rewrites: "@<time> x30" runs the
 * daemon's wall clock 30 times faster from <time>. Idle stretches are skipped: whenever the daemon is idle (its
 * /healthz shows the next run ahead), the bench jumps the clock to a moment before that run (or before the next
 * injected trouble), as a machine that sleeps and wakes would see it. The emulator runs here, in the bench, on
 * the same fake clock (re-synchronised from the daemon's /healthz `now` after each jump). Fake Telegram Bot API
 * here too. Bun and libfaketime: see the heartbeat below.
 *
 *   bun bench/soak.ts [--days 30] [--speed 30]
 *
 * A bench, not a test: `bun run test` does not run it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEMO_APP, DEMO_USER, type RequestLogEntry, startEmulator } from "@upstox-token/emulator";
import { writeResult } from "./stats.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DAYS = flag("days", 30);
const SPEED = flag("speed", 30);
const LIBFAKETIME = [
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
  "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
  "/usr/lib/faketime/libfaketimeMT.so.1",
].find((p) => existsSync(p));
if (!LIBFAKETIME) {
  console.error(
    "soak: libfaketime not found; install Debian's faketime package (apt-get install -y faketime)",
  );
  process.exit(2);
}

const IST = 330 * 60_000;
const DAY = 86_400_000;
/** 2026-12-01 00:00 IST. */
const FIRST_DAY = Date.parse("2026-12-01T00:00:00+05:30");
const istAt = (day: number, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return FIRST_DAY + day * DAY + (h! * 60 + m!) * 60_000;
};
const fmt = (ms: number) => new Date(ms + IST).toISOString().slice(5, 16).replace("T", " ");

// ---- troubles: which day gets what (day numbers are 0-based) ------------------------------------------------
type Trouble =
  | { kind: "outage"; until: string }
  | { kind: "wrong-pin"; fixAt: string }
  | { kind: "blocked"; until: string }
  | { kind: "revoked" }
  | { kind: "sleep"; wakeAt: string };
const TROUBLES: Record<number, Trouble> = {
  2: { kind: "outage", until: "07:40" },
  6: { kind: "wrong-pin", fixAt: "08:00" },
  9: { kind: "outage", until: "05:10" },
  13: { kind: "blocked", until: "07:30" },
  16: { kind: "revoked" },
  19: { kind: "sleep", wakeAt: "05:00" },
  23: { kind: "outage", until: "08:20" },
  27: { kind: "wrong-pin", fixAt: "07:20" },
};

// ---- the fake clock ------------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), "upstox-soak-"));
const clockFile = join(dir, "faketime.rc");
let origin = { fake: istAt(0, "03:20"), real: performance.now() };
const fakeNow = () => origin.fake + (performance.now() - origin.real) * SPEED;
const spec = (fake: number) => `@${new Date(fake).toISOString().slice(0, 19).replace("T", " ")} x${SPEED}\n`;
function setClock(fake: number): void {
  writeFileSync(clockFile, spec(fake));
  origin = { fake, real: performance.now() };
}

// ---- the emulator and the fake Bot API (here, on the fake clock) ---------------------------------------------
const emulator = await startEmulator({ now: fakeNow, quiet: true });
const archived: RequestLogEntry[] = [];
const allLog = () => [...archived, ...emulator.log];

const BOT_TOKEN = "5550001:soak-bot-token-aaaaaaaaaaaaaaaa";
const alerts: { at: number; text: string }[] = [];
const botApi = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    const ok = req.method === "POST" && req.url === `/bot${BOT_TOKEN}/sendMessage`;
    if (ok) alerts.push({ at: fakeNow(), text: String(JSON.parse(body).text) });
    res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok }));
  });
});
await new Promise<void>((r) => botApi.listen(0, "127.0.0.1", r));
const botPort = (botApi.address() as { port: number }).port;

const statusPort = await new Promise<number>((r) => {
  const s = createNetServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as { port: number };
    s.close(() => r(port));
  });
});

// ---- the daemon's config and environment ---------------------------------------------------------------------
const envFile = join(dir, ".env");
const writeEnv = (pin: string) =>
  writeFileSync(envFile, `UPSTOX_PIN=${pin}\nTELEGRAM_BOT_TOKEN=${BOT_TOKEN}\n`, { mode: 0o600 });
writeEnv(DEMO_USER.pin);
const configFile = join(dir, "upstox-token.config.json");
writeFileSync(
  configFile,
  JSON.stringify(
    {
      accounts: [
        {
          name: "main",
          credentials: {
            mobile: DEMO_USER.mobile,
            pin: "${UPSTOX_PIN}",
            totpSecret: DEMO_USER.totpSecret,
            clientId: DEMO_APP.apiKey,
            clientSecret: DEMO_APP.apiSecret,
            redirectUri: DEMO_APP.redirectUri,
            apiBase: emulator.apiBase,
            serviceBase: emulator.serviceBase,
          },
        },
      ],
      sinks: [{ use: "sqlite", options: { path: "tokens.db" } }],
      lock: { use: "file", path: "locks" },
      // 15 fake seconds are 0.5 s of real time at x30: a loaded machine would time out for nothing.
      timeoutMs: 120_000,
      statusServer: { port: statusPort },
      alerts: {
        telegram: { botToken: "${TELEGRAM_BOT_TOKEN}", chatId: 1, apiBase: `http://127.0.0.1:${botPort}` },
        // As for timeoutMs: a send that "timed out" but arrived would be sent again (delivery is at-least-once).
        timeoutMs: 120_000,
      },
    },
    null,
    2,
  ),
  { mode: 0o600 },
);

setClock(istAt(-1, "20:00"));
const logFile = join(dir, "daemon.log");
const logFd = (await import("node:fs")).openSync(logFile, "w");
const daemon = spawn(
  process.execPath,
  [
    // Bun itself loads a `.env` in the working directory into process.env at start, and the environment wins
    // over --env-file, so a PIN changed in .env would never reach the daemon on SIGHUP (found by this soak's
    // first run; reported). --no-env-file turns Bun's loading off.
    "--no-env-file",
    resolve(import.meta.dir, "..", "apps", "daemon", "src", "bin.ts"),
    "--config",
    configFile,
    "--env-file",
    envFile,
  ],
  {
    cwd: dir,
    stdio: ["ignore", logFd, logFd],
    env: {
      ...process.env,
      TZ: "UTC",
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: "1",
      UPSTOX_STATE_DIR: join(dir, "state"),
      UPSTOX_TOKEN_LOCK_DIR: join(dir, "locks"),
      UPSTOX_TOKEN_LOG_LEVEL: "info",
    },
  },
);
const pid = daemon.pid!;
let exited: number | null = null;
daemon.on("exit", (code) => {
  exited = code ?? -1;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
};
/** Makes the daemon read the clock file now (any request does), so its fake clock and ours start together. */
async function poke(): Promise<void> {
  await fetch(`http://127.0.0.1:${statusPort}/healthz`).catch(() => undefined);
}
interface Health {
  now: string;
  accounts: { next_run_at: string | null }[];
}
async function health(): Promise<Health | null> {
  try {
    return (await (await fetch(`http://127.0.0.1:${statusPort}/healthz`)).json()) as Health;
  } catch {
    return null;
  }
}
/** Moves the daemon's clock to `fake`, then takes our clock (the emulator's) from what the daemon reports. */
async function jumpTo(fake: number): Promise<void> {
  setClock(fake);
  await poke();
  const h = await health();
  origin = { fake: h ? Date.parse(h.now) : fake, real: performance.now() };
  jumps++;
}
let jumps = 0;

// Wait for the daemon to listen.
for (let i = 0; ; i++) {
  if (exited !== null) throw new Error(`the daemon exited (${exited}); log: ${logFile}`);
  const up = await fetch(`http://127.0.0.1:${statusPort}/healthz`).then(
    () => true,
    () => false,
  );
  if (up) break;
  if (i > 300) throw new Error(`the daemon did not start; log: ${logFile}`);
  await sleep(100);
}

// Bun reads the faked clock, but its event loop sleeps in epoll_wait for the real-time length of the next
// timer (libfaketime does not shorten that wait): a 7 s backoff took 7 real seconds (70 fake minutes at x600) in
// a first run. A request to the status endpoint every 20 ms wakes the loop, which then reads the (fast) clock and
// fires every timer that is due: timers keep to the fake clock within about a fake second at x30.
let heartbeats = 0;
const heartbeat = setInterval(() => {
  heartbeats++;
  void fetch(`http://127.0.0.1:${statusPort}/healthz`).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );
}, 20);

{
  const h = await health();
  if (h) origin = { fake: Date.parse(h.now), real: performance.now() };
}
// The start-up catch-up logs in (the evening before day 1); the days start after it.
for (let i = 0; !allLog().some((e) => e.step === "token" && e.status === 200); i++) {
  if (i > 600) throw new Error(`no start-up login; log: ${logFile}`);
  await sleep(50);
}

interface DayReport {
  day: string;
  trouble: string;
  saved: boolean;
  savedAt: string | null;
  alerts: number;
  pins: number;
  otpRequests: number;
  rssMb: number;
}
const report: DayReport[] = [];
const started = performance.now();

const stored = (from: number, to: number) =>
  allLog().find((e) => e.step === "token" && e.status === 200 && e.at >= from && e.at < to);

for (let day = 0; day < DAYS; day++) {
  const trouble = TROUBLES[day];
  const dayStart = istAt(day, "03:20");
  const logFrom = allLog().length;
  const alertsFrom = alerts.length;
  // Before the morning (the day before's token is still valid): set the trouble up.
  if (trouble?.kind === "outage") {
    emulator.inject({
      path: "/login/open/v6/auth/1fa/otp/generate",
      status: 503,
      count: Number.POSITIVE_INFINITY,
    });
  }
  if (trouble?.kind === "blocked") {
    emulator.cloudflareChallenge({ path: /^\/login\/open\//, count: Number.POSITIVE_INFINITY });
  }
  if (trouble?.kind === "wrong-pin") {
    writeEnv("000000");
    process.kill(pid, "SIGHUP");
    await sleep(500);
  }
  if (trouble?.kind === "sleep") {
    // The machine sleeps through 03:35: the process is stopped, the clock moves on, then it wakes.
    process.kill(pid, "SIGSTOP");
    setClock(istAt(day, trouble.wakeAt));
    process.kill(pid, "SIGCONT");
    await poke();
    const h = await health();
    origin = { fake: h ? Date.parse(h.now) : istAt(day, trouble.wakeAt), real: performance.now() };
  } else {
    await jumpTo(dayStart);
  }
  let troubleOver = trouble === undefined || trouble.kind === "sleep";
  let idleSince: number | null = null;
  let revokedDone = false;
  for (;;) {
    if (exited !== null) throw new Error(`the daemon exited (${exited}) on day ${day}; log: ${logFile}`);
    const now = fakeNow();
    if (!troubleOver && trouble) {
      if ((trouble.kind === "outage" || trouble.kind === "blocked") && now >= istAt(day, trouble.until)) {
        emulator.clearFaults();
        troubleOver = true;
      }
      if (trouble.kind === "wrong-pin" && now >= istAt(day, trouble.fixAt)) {
        writeEnv(DEMO_USER.pin);
        process.kill(pid, "SIGHUP");
        troubleOver = true;
      }
      if (trouble.kind === "revoked" && !revokedDone && stored(istAt(day, "03:30"), now + 1)) {
        // Upstox forgets every token (revoked: a password change, a logout elsewhere); the person reloads.
        archived.push(...emulator.log);
        emulator.reset();
        revokedDone = true;
        await sleep(200);
        process.kill(pid, "SIGHUP");
        troubleOver = true;
      }
    }
    // Skip idle time: jump to just before the next run, the next trouble event or the day's end.
    const h = await health();
    const nextRuns = (h?.accounts ?? []).map((a) => (a.next_run_at ? Date.parse(a.next_run_at) : null));
    const daemonNow = h ? Date.parse(h.now) : now;
    const troubleAt =
      !troubleOver && trouble
        ? trouble.kind === "outage" || trouble.kind === "blocked"
          ? istAt(day, trouble.until)
          : trouble.kind === "wrong-pin"
            ? istAt(day, trouble.fixAt)
            : Number.POSITIVE_INFINITY
        : Number.POSITIVE_INFINITY;
    const idle = nextRuns.every((at) => at === null || at > daemonNow + 5_000);
    if (idle && idleSince === null) idleSince = performance.now();
    if (!idle) idleSince = null;
    const target = Math.min(
      ...nextRuns.map((at) => (at === null ? Number.POSITIVE_INFINITY : at - 2_000)),
      troubleAt,
      istAt(day, "09:20"),
    );
    if (idleSince !== null && performance.now() - idleSince > 250 && target > daemonNow + 5_000) {
      await jumpTo(target);
      idleSince = null;
      continue;
    }
    const savedEntry = stored(istAt(day, "03:30"), istAt(day, "09:15"));
    const reLoggedAfterRevoke =
      trouble?.kind !== "revoked" ||
      allLog().filter((e) => e.step === "token" && e.status === 200 && e.at >= istAt(day, "03:30")).length >=
        2;
    const expectResolution = alerts.length - alertsFrom;
    const done =
      troubleOver && savedEntry && reLoggedAfterRevoke && (expectResolution === 0 || expectResolution >= 2);
    if ((done && now >= istAt(day, "03:45")) || now >= istAt(day, "09:20")) break;
    await sleep(30);
  }
  await sleep(300); // the last alert on its way
  const dayLog = allLog().slice(logFrom);
  const savedEntry = stored(istAt(day, "03:30"), istAt(day, "09:15"));
  report.push({
    day: fmt(istAt(day, "00:00")).slice(0, 5),
    trouble: trouble ? trouble.kind : "-",
    saved: savedEntry !== undefined,
    savedAt: savedEntry ? fmt(savedEntry.at).slice(6) : null,
    alerts: alerts.length - alertsFrom,
    pins: dayLog.filter((e) => e.step === "2fa").length,
    otpRequests: dayLog.filter((e) => e.step === "otp-generate").length,
    rssMb: rssMb(),
  });
  const r = report.at(-1)!;
  console.log(
    `day ${String(day + 1).padStart(2)} ${r.day} ${r.trouble.padEnd(9)} saved=${r.saved ? `yes ${r.savedAt}` : "NO"} alerts=${r.alerts} pins=${r.pins} otp=${r.otpRequests} rss=${r.rssMb} MB`,
  );
}

const realSeconds = Math.round((performance.now() - started) / 1000);
clearInterval(heartbeat);
process.kill(pid, "SIGTERM");
await new Promise((r) => (exited !== null ? r(null) : daemon.on("exit", r)));
await emulator.close();
botApi.close();

const savedCount = report.filter((r) => r.saved).length;
console.log(
  `\n${report.length} days in ${realSeconds} s real (one daemon process, pid ${pid}); mornings saved ${savedCount}/${report.length}; alerts ${alerts.length}; PINs ${report.reduce((a, r) => a + r.pins, 0)}; RSS first/last/max ${report[0]?.rssMb}/${report.at(-1)?.rssMb}/${Math.max(...report.map((r) => r.rssMb))} MB; daemon exit ${exited}; ${heartbeats} heartbeats, ${jumps} clock jumps`,
);
for (const a of alerts) console.log(`  alert ${fmt(a.at)}: ${a.text.split("\n")[0]}`);
const leaked = alerts.filter((a) => a.text.includes(DEMO_USER.pin) || a.text.includes(DEMO_USER.totpSecret));
if (leaked.length > 0) console.log(`  !! ${leaked.length} alerts carry a secret`);
const file = await writeResult("soak", { days: report, alerts, realSeconds, speed: SPEED });
console.log(`results: ${file}`);
if (process.env.SOAK_KEEP) console.log(`work dir kept: ${dir}`);
else rmSync(dir, { recursive: true, force: true });
