// The examples run as their users run them: the real daemon process (bun apps/daemon/src/bin.ts) logged in to
// the emulator with its proxy on, then `node sdk-profile.mjs` (the official upstox-js-sdk) and
// `python3 profile_requests.py` (requests) against it, with no token in either program.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";

const here = join(import.meta.dir, "..");
const daemonBin = join(here, "..", "..", "apps", "daemon", "src", "bin.ts");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The first Python that can import requests: UPSTOX_TOKEN_TEST_PYTHON, python3 on PATH, Debian's. */
function pythonWithRequests(): string | undefined {
  for (const python of [process.env.UPSTOX_TOKEN_TEST_PYTHON, Bun.which("python3"), "/usr/bin/python3"]) {
    if (!python || !existsSync(python)) continue;
    const probe = Bun.spawnSync([python, "-c", "import requests"], { stdout: "ignore", stderr: "ignore" });
    if (probe.exitCode === 0) return python;
  }
  return undefined;
}

let emulator: Emulator;
let dir: string;
let daemon: ReturnType<typeof Bun.spawn>;
let proxy: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "proxy-consumer-"));
  proxy = `http://127.0.0.1:${await freePort()}`;
  const config = {
    accounts: [
      {
        name: "main",
        credentials: {
          mobile: DEMO_USER.mobile,
          pin: DEMO_USER.pin,
          totpSecret: DEMO_USER.totpSecret,
          clientId: DEMO_APP.apiKey,
          clientSecret: DEMO_APP.apiSecret,
          redirectUri: DEMO_APP.redirectUri,
          apiBase: emulator.apiBase,
          serviceBase: emulator.serviceBase,
        },
      },
    ],
    sinks: [{ use: "env", options: { path: "tokens.env" } }],
    lock: { use: "file", path: "locks" },
    proxy: { listen: proxy.slice("http://".length) },
  };
  const file = join(dir, "upstox-token.config.json");
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  daemon = Bun.spawn(["bun", daemonBin, "--config", file], {
    cwd: dir,
    stdout: "ignore",
    stderr: Bun.file(join(dir, "daemon.log")),
  });
  // Ready once the proxy answers a profile call (the catch-up login is done).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${proxy}/v2/user/profile`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || daemon.exitCode !== null) {
      throw new Error(
        `the daemon's proxy did not come up:\n${readFileSync(join(dir, "daemon.log"), "utf8")}`,
      );
    }
    await Bun.sleep(100);
  }
});

afterAll(async () => {
  daemon?.kill("SIGTERM");
  await daemon?.exited;
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

function storedToken(): string {
  const line = readFileSync(join(dir, "tokens.env"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("UPSTOX_ACCESS_TOKEN="));
  return (line ?? "").slice("UPSTOX_ACCESS_TOKEN=".length).replace(/^"|"$/g, "");
}

/** Runs an example without blocking this process (the emulator answering the daemon lives here). */
async function run(command: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(command, {
    cwd: here,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", UPSTOX_PROXY: proxy },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

test("node: the official upstox-js-sdk with basePath at the proxy gets the profile and the feed URL", async () => {
  const result = await run(["node", "sdk-profile.mjs"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const out = JSON.parse(result.stdout);
  expect(out.userId).toBe(DEMO_USER.userId);
  expect(out.feedUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/market-data-feeder\/v3\//);
  expect(result.stdout).not.toContain(storedToken());
});

const python = pythonWithRequests();
if (!python) console.warn("SKIPPED: no python3 with requests (apt-get install python3-requests)");

test.skipIf(!python)(
  "python: requests through the proxy, also right after Upstox revoked the token",
  async () => {
    const dead = storedToken();
    const logout = await fetch(`${emulator.apiBase}/v2/logout`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${dead}` },
    });
    expect(logout.status).toBe(200);
    const result = await run([python as string, "profile_requests.py"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).user_id).toBe(DEMO_USER.userId);
    // The watchdog logged in again and the sink holds the new token.
    expect(storedToken()).not.toBe(dead);
    expect(emulator.isTokenValid(storedToken())).toBe(true);
  },
);
