/**
 * The API proxy's cost: keep-alive GETs of /v2/user/profile direct to the emulator, through the daemon's proxy,
 * through two bare pass-throughs (bench/proxy-bun-floor-server.ts: `Bun.serve` + `fetch`, the runtime's fastest
 * floor; bench/proxy-floor-server.ts: node:http + `fetch`, the proxy's server under Node), through the proxy's
 * code alone on node:http and on `Bun.serve` (bench/proxy-core-server.ts) and through nginx set up as
 * the same header-injecting reverse proxy (when nginx is installed; skipped otherwise). Reported as median and
 * p99 latency, the latency each adds to the direct call, and the proxy's added latency as a ratio to the
 * `Bun.serve` floor's (target: within 1.5×) and to nginx's. The mutation path (a POST, which the proxy sends
 * once over a connection of its own) is measured too, against a direct kept-alive POST.
 *
 *   bun bench/proxy.ts [--requests 4000]
 *
 * Every part is its own process (emulator, the real daemon with its proxy, nginx); the bench process is only
 * the client: one kept-alive connection per target, requests one after another, the targets taken in turn
 * request by request so drift on a shared machine hits them all alike.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import { percentile, ratio, writeResult } from "./stats.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const total = Number(args.get("--requests") ?? 4000);
const root = resolve(import.meta.dir, "..");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up`);
    await Bun.sleep(100);
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request on the shared kept-alive connection; resolves with its latency in ms. */
function timedGet(url: string, expectStatus = 200, method = "GET", bearer?: string): Promise<number> {
  const body = method === "POST" ? '{"quantity":1,"instrument_token":"NSE_EQ|INE002A01018"}' : undefined;
  return new Promise((done, fail) => {
    const started = performance.now();
    const req = request(
      url,
      {
        agent,
        method,
        headers: {
          accept: "application/json",
          "api-version": "2.0",
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== expectStatus) fail(new Error(`${url} answered ${res.statusCode}`));
          else done(performance.now() - started);
        });
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

const dir = await mkdtemp(join(tmpdir(), "bench-proxy-"));
const children: ReturnType<typeof spawn>[] = [];
const cleanup = async () => {
  for (const child of children) child.kill("SIGTERM");
  await Bun.sleep(process.env.BENCH_PROFILE ? 3_000 : 200);
  await rm(dir, { recursive: true, force: true });
};

try {
  // 1. The emulator, its own process.
  const emulatorPort = await freePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  children.push(
    spawn(
      process.execPath,
      [join(root, "packages/emulator/src/bin.ts"), "--port", String(emulatorPort), "--quiet"],
      {
        stdio: "ignore",
      },
    ),
  );
  await waitFor("the emulator", async () => (await fetch(`${emulatorUrl}/v2/user/profile`)).status === 401);

  // 2. The real daemon with its proxy, logged in to the emulator.
  const proxyPort = await freePort();
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const config = join(dir, "upstox-token.config.json");
  await writeFile(
    config,
    JSON.stringify({
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
            apiBase: emulatorUrl,
            serviceBase: emulatorUrl,
          },
        },
      ],
      sinks: [{ use: "env", options: { path: "tokens.env" } }],
      lock: { use: "file", path: "locks" },
      proxy: { listen: `127.0.0.1:${proxyPort}` },
    }),
    { mode: 0o600 },
  );
  children.push(
    spawn(
      process.execPath,
      [
        // BENCH_PROFILE=<dir>: the daemon writes a CPU profile (markdown) there when it exits.
        ...(process.env.BENCH_PROFILE
          ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, "--cpu-prof-interval=100"]
          : []),
        join(root, "apps/daemon/src/bin.ts"),
        "--config",
        config,
        "--log-level",
        "warn",
      ],
      {
        cwd: dir,
        stdio: "ignore",
      },
    ),
  );
  await waitFor(
    "the daemon's proxy",
    async () => (await fetch(`${proxyUrl}/v2/user/profile`)).status === 200,
  );
  const envText = await readFile(join(dir, "tokens.env"), "utf8");
  const token = /UPSTOX_ACCESS_TOKEN="?([^"\n]+)/.exec(envText)?.[1] ?? "";

  // 3. nginx as the same reverse proxy: kept-alive upstream, Authorization replaced with the token.
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  let nginxUrl: string | undefined;
  if (nginx) {
    const nginxPort = await freePort();
    const conf = join(dir, "nginx.conf");
    await writeFile(
      conf,
      `daemon off;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream emulator { server 127.0.0.1:${emulatorPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${nginxPort};
    client_max_body_size 1m;
    location / {
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer ${token}";
      proxy_buffering off;
    }
  }
}
`,
    );
    const check = spawnSync(nginx, ["-t", "-c", conf, "-p", dir], { encoding: "utf8" });
    if (check.status === 0) {
      children.push(spawn(nginx, ["-c", conf, "-p", dir], { stdio: "ignore" }));
      nginxUrl = `http://127.0.0.1:${nginxPort}`;
      await waitFor("nginx", async () => (await fetch(`${nginxUrl}/v2/user/profile`)).status === 200);
    } else {
      console.warn(`nginx found but its config test failed; skipping it:\n${check.stderr}`);
    }
  } else {
    console.warn("SKIPPED nginx: not installed (apt-get install -y nginx)");
  }

  // 4. The runtime's floors: bare pass-throughs that add the token and nothing else.
  const startFloor = async (script: string, ...more: string[]) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    children.push(
      spawn(process.execPath, [join(root, "bench", script), String(port), emulatorUrl, token, ...more], {
        stdio: "ignore",
      }),
    );
    await waitFor(script, async () => (await fetch(`${url}/v2/user/profile`)).status === 200);
    return url;
  };
  const bunFloorUrl = await startFloor("proxy-bun-floor-server.ts");
  const nodeFloorUrl = await startFloor("proxy-floor-server.ts");
  // The proxy's code alone (a fixed token, no daemon around it) on each server kind.
  const coreNodeUrl = await startFloor("proxy-core-server.ts", "node");
  const coreBunUrl = await startFloor("proxy-core-server.ts", "bun");

  const targets: Record<string, string> = {
    direct: `${emulatorUrl}/v2/user/profile`,
    proxy: `${proxyUrl}/v2/user/profile`,
    "bun-serve-floor": `${bunFloorUrl}/v2/user/profile`,
    "node-http-floor": `${nodeFloorUrl}/v2/user/profile`,
    "proxy code, node:http": `${coreNodeUrl}/v2/user/profile`,
    "proxy code, Bun.serve": `${coreBunUrl}/v2/user/profile`,
    ...(nginxUrl ? { nginx: `${nginxUrl}/v2/user/profile` } : {}),
    // The mutation path: a POST the emulator answers 404 (it has no order API); the same small envelope work.
    "direct POST": `${emulatorUrl}/v2/order/place`,
    "proxy POST": `${proxyUrl}/v2/order/place`,
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  // Warm-up: JIT, connection pools, nginx's upstream keep-alive.
  const once = (name: string, url: string) =>
    name === "direct"
      ? timedGetWithToken(url, token)
      : name === "direct POST"
        ? timedGet(url, 404, "POST", token)
        : name === "proxy POST"
          ? timedGet(url, 404, "POST")
          : timedGet(url);
  for (const [name, url] of Object.entries(targets)) {
    for (let i = 0; i < 300; i++) await once(name, url);
  }
  // Request by request in turn (one per target, then the next): drift on a shared machine hits every target
  // alike, so the ratios of one run compare like with like.
  for (let i = 0; i < total; i++) {
    for (const [name, url] of Object.entries(targets))
      (samples[name] as number[]).push(await once(name, url));
  }

  const stats = Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      { median: percentile(list, 50), p99: percentile(list, 99), n: list.length },
    ]),
  );
  const d = stats.direct as { median: number; p99: number };
  const dPost = stats["direct POST"] as { median: number; p99: number };
  const added = (name: string) => {
    const s = stats[name] as { median: number; p99: number } | undefined;
    const base = name.endsWith("POST") ? dPost : d;
    return s ? { median: s.median - base.median, p99: s.p99 - base.p99 } : undefined;
  };
  const proxyAdded = added("proxy") as { median: number; p99: number };
  const nginxAdded = added("nginx");
  const floorAdded = added("bun-serve-floor") as { median: number; p99: number };
  const nodeFloorAdded = added("node-http-floor") as { median: number; p99: number };
  const postAdded = added("proxy POST") as { median: number; p99: number };
  const fmt = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(
    `keep-alive requests, ${total} per target, interleaved request by request (GET /v2/user/profile; POST /v2/order/place)\n`,
  );
  console.log("| target | median | p99 | added median | added p99 |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const name of Object.keys(targets)) {
    const s = stats[name] as { median: number; p99: number };
    const a = added(name);
    const base = name.startsWith("direct");
    console.log(
      `| ${name} | ${fmt(s.median)} | ${fmt(s.p99)} | ${base ? "-" : fmt(a?.median ?? 0)} | ${base ? "-" : fmt(a?.p99 ?? 0)} |`,
    );
  }
  console.log(
    `\nproxy's added latency (GET) vs a bare Bun.serve + fetch pass-through's: median ${ratio(proxyAdded.median, floorAdded.median)}, p99 ${ratio(proxyAdded.p99, floorAdded.p99)} (target: within 1.5×)`,
  );
  console.log(
    `proxy's added latency (GET) vs a bare node:http + fetch pass-through's: median ${ratio(proxyAdded.median, nodeFloorAdded.median)}`,
  );
  console.log(
    `the mutation path (POST, a fresh connection per order) adds ${fmt(postAdded.median)} median, ${fmt(postAdded.p99)} p99`,
  );
  if (nginxAdded) {
    console.log(
      `proxy's added latency vs nginx's: median ${ratio(proxyAdded.median, nginxAdded.median)}, p99 ${ratio(proxyAdded.p99, nginxAdded.p99)}`,
    );
  }
  const file = await writeResult("proxy", {
    requestsPerTarget: total,
    stats,
    proxyAdded,
    floorAdded,
    nodeFloorAdded,
    postAdded,
    nginxAdded,
  });
  console.log(`\nwrote ${file}`);
} finally {
  await cleanup();
}

/** The direct call with the token, as a program without the proxy makes it. */
function timedGetWithToken(url: string, bearer: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const req = request(
      url,
      {
        agent,
        headers: { accept: "application/json", "api-version": "2.0", authorization: `Bearer ${bearer}` },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? done(performance.now() - started)
            : fail(new Error(`direct answered ${res.statusCode}`)),
        );
      },
    );
    req.on("error", fail);
    req.end();
  });
}
