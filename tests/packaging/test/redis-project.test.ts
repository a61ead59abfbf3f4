// A user who wants Redis installs @upstox-token/core and @upstox-token/sink-redis, nothing else: with npm
// on Node 22+ and with `bun add` on Bun. The consumer examples log in against the emulator, read the token
// back from Redis, and a long-running reader reloads it when a new one is published.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig, loginWithTotp, toRecord } from "@upstox-token/core";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { RedisTokenSink, redisSinkOptions } from "@upstox-token/sink-redis";
import { startRedisServer, type TestRedisServer } from "@upstox-token/sink-test-suite/redis-server";
import {
  createConsumerProject,
  emulatorEnv,
  type Installer,
  runConsumer,
  runtimeCommand,
  runtimeEnv,
} from "../src/consumer-project.js";
import {
  inspectInstall,
  nativeAddons,
  ourPackagesFromTarballs,
  redisLoaders,
  sqliteLoaders,
  sqlitePackages,
} from "../src/install-checks.js";
import { LineReader } from "../src/line-reader.js";
import { findOrInstallNode, loudSkip } from "../src/node-runtime.js";
import { type PackedWorkspace, packedWorkspace } from "../src/packed-workspace.js";
import { run } from "../src/run.js";
import { declaredFloor, installerAt } from "../src/runtime-floor.js";

const node = await findOrInstallNode(22);
if (typeof node === "string") loudSkip("the Node 22+ half of the Redis packaging test", node);

let packed: PackedWorkspace;
let emulator: Emulator;
let redis: TestRedisServer;

beforeAll(async () => {
  packed = await packedWorkspace();
  emulator = await startEmulator({ otpRateLimit: null });
  redis = await startRedisServer();
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await redis?.stop();
}, 120_000);

const installers: [string, Installer | undefined][] = [
  ["npm install, run on Node", typeof node === "string" ? undefined : { kind: "npm", node }],
  ["bun add, run on Bun", { kind: "bun" }],
];

describe.each(installers)("Redis-only project (%s)", (label, installer) => {
  const dir = () => join(packed.root, `redis-${installer?.kind}`);
  const account = `redis-${installer?.kind}`;
  const env = () => ({ ...emulatorEnv(emulator.url), REDIS_URL: redis.url, UPSTOX_ACCOUNT: account });
  let firstGeneration = 0;

  test.skipIf(!installer)(
    "installs only core (with http-body) + sink-redis from the tarballs, with no SQLite and no native code",
    async () => {
      const tarballs = [
        packed.tarball("@upstox-token/core"),
        packed.tarball("@upstox-token/http-body"),
        packed.tarball("@upstox-token/sink-redis"),
      ];
      await createConsumerProject(dir(), installer!, tarballs);
      const report = inspectInstall(dir());
      console.log(`${label}: ${report.names.length} packages: ${report.names.join(" ")}`);

      expect(report.names.filter((n) => n.startsWith("@upstox-token/"))).toEqual([
        "@upstox-token/core",
        "@upstox-token/http-body",
        "@upstox-token/sink-redis",
      ]);
      expect(report.names).toContain("ioredis");
      expect(ourPackagesFromTarballs(report, dir(), packed)).toEqual([]);
      expect(sqlitePackages(report)).toEqual([]);
      expect(sqliteLoaders(dir())).toEqual([]);
      expect(nativeAddons(dir())).toEqual([]);
      expect(redisLoaders(dir()).length).toBeGreaterThan(0); // the same scan does see what is there
      if (installer?.kind === "npm")
        await run("npm", ["ls", "--all"], { cwd: dir(), env: runtimeEnv(installer) });
    },
    240_000,
  );

  test.skipIf(!installer)(
    "the consumer logs in once (under the Redis lock), then reads the token back from Redis",
    async () => {
      const logins = () => emulator.steps("token").length;
      const before = logins();
      const first = await runConsumer(installer!, dir(), "get-token-redis.js", env());
      expect(first).toMatchObject({ account, userId: DEMO_USER.userId });
      expect(logins()).toBe(before + 1);
      const second = await runConsumer(installer!, dir(), "get-token-redis.js", env());
      expect(second).toEqual(first);
      expect(logins()).toBe(before + 1);
      firstGeneration = first.generation;
    },
    60_000,
  );

  test.skipIf(!installer)(
    "a long-running reader reloads the token when a new one is published on upstox-token:events",
    async () => {
      const watcher = Bun.spawn([runtimeCommand(installer!), "watch-token-redis.js"], {
        cwd: dir(),
        env: runtimeEnv(installer!, env()),
        stdout: "pipe",
        stderr: "pipe",
      });
      const out = new LineReader(watcher.stdout);
      const err = new LineReader(watcher.stderr);
      try {
        const ready = JSON.parse(await out.waitFor((l) => l.includes('"ready"'), 15_000));
        expect(ready).toMatchObject({ account, generation: firstGeneration });

        // What the daemon does each morning: log in, then write the new token to the sink, which publishes.
        const config = loadConfig({ env: emulatorEnv(emulator.url), envFile: false });
        const sink = new RedisTokenSink(redisSinkOptions.parse({ url: redis.url }));
        try {
          const token = await loginWithTotp(config);
          expect(await sink.write(toRecord(account, token, firstGeneration + 1))).toEqual({
            status: "written",
          });
        } finally {
          await sink.close();
        }

        const reloaded = JSON.parse(await out.waitFor((l) => l.includes('"event"'), 10_000));
        expect(reloaded).toMatchObject({ account, generation: firstGeneration + 1 });
        expect(reloaded.expiresAt).toMatch(/T03:30:00\.000\+05:30$/);

        watcher.kill("SIGTERM");
        expect(await watcher.exited).toBe(0); // it closes its connections and exits by itself
        expect(err.lines.filter(Boolean)).toEqual([]);
      } finally {
        watcher.kill("SIGKILL");
      }
    },
    60_000,
  );

  const floor =
    installer && declaredFloor(installer.kind, ["@upstox-token/core", "@upstox-token/sink-redis"]);
  test.skipIf(!installer || !floor)(
    `runs on the lowest ${installer?.kind === "npm" ? "Node" : "Bun"} the packages declare (${floor})`,
    async () => {
      const oldest = await installerAt(installer!.kind, floor!);
      if (typeof oldest === "string") {
        loudSkip(`the run on ${installer!.kind === "npm" ? "Node" : "Bun"} ${floor}`, oldest);
        return;
      }
      const env = {
        ...emulatorEnv(emulator.url),
        REDIS_URL: redis.url,
        UPSTOX_ACCOUNT: `floor-${installer!.kind}`,
      };
      const logins = () => emulator.steps("token").length;
      const before = logins();
      const first = await runConsumer(oldest, dir(), "get-token-redis.js", env);
      expect(first).toMatchObject({ userId: DEMO_USER.userId });
      expect(await runConsumer(oldest, dir(), "get-token-redis.js", env)).toEqual(first);
      expect(logins()).toBe(before + 1);
    },
    240_000,
  );
});
