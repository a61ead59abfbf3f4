// A user who wants SQLite installs @upstox-token/core and @upstox-token/sink-sqlite, nothing else: with npm
// on Node 22+ and with `bun add` on Bun. The consumer example logs in against the emulator and reads the
// token back from the SQLite file; no Redis code may come along.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  createConsumerProject,
  emulatorEnv,
  type Installer,
  runConsumer,
  runtimeEnv,
} from "../src/consumer-project.js";
import {
  inspectInstall,
  nativeAddons,
  ourPackagesFromTarballs,
  redisLoaders,
  redisPackages,
  sqliteLoaders,
} from "../src/install-checks.js";
import { findOrInstallNode, loudSkip } from "../src/node-runtime.js";
import { type PackedWorkspace, packedWorkspace } from "../src/packed-workspace.js";
import { run } from "../src/run.js";
import { declaredFloor, installerAt } from "../src/runtime-floor.js";

const node = await findOrInstallNode(22);
if (typeof node === "string") loudSkip("the Node 22+ half of the SQLite packaging test", node);
else console.log(`Node for the npm project: ${node.version} (${node.source}: ${node.node})`);

let packed: PackedWorkspace;
let emulator: Emulator;

beforeAll(async () => {
  packed = await packedWorkspace();
  emulator = await startEmulator({ otpRateLimit: null });
}, 120_000);

afterAll(async () => {
  await emulator?.close();
}, 120_000);

const installers: [string, Installer | undefined][] = [
  ["npm install, run on Node", typeof node === "string" ? undefined : { kind: "npm", node }],
  ["bun add, run on Bun", { kind: "bun" }],
];

describe.each(installers)("SQLite-only project (%s)", (label, installer) => {
  const dir = () => join(packed.root, `sqlite-${installer?.kind}`);

  test.skipIf(!installer)(
    "installs only core (with http-body) + sink-sqlite from the tarballs, with no Redis code",
    async () => {
      const tarballs = [
        packed.tarball("@upstox-token/core"),
        packed.tarball("@upstox-token/http-body"),
        packed.tarball("@upstox-token/sink-sqlite"),
      ];
      await createConsumerProject(dir(), installer!, tarballs);
      const report = inspectInstall(dir());
      console.log(`${label}: ${report.names.length} packages: ${report.names.join(" ")}`);

      expect(report.names.filter((n) => n.startsWith("@upstox-token/"))).toEqual([
        "@upstox-token/core",
        "@upstox-token/http-body",
        "@upstox-token/sink-sqlite",
      ]);
      expect(report.names).toContain("better-sqlite3");
      expect(ourPackagesFromTarballs(report, dir(), packed)).toEqual([]);
      expect(redisPackages(report)).toEqual([]);
      expect(redisLoaders(dir())).toEqual([]);
      expect(sqliteLoaders(dir()).length).toBeGreaterThan(0); // the same scan does see what is there
      expect(nativeAddons(dir()).some((f) => f.includes("better-sqlite3"))).toBe(true);

      if (installer?.kind === "npm") {
        const lock = JSON.parse(readFileSync(join(dir(), "package-lock.json"), "utf8"));
        expect(lock.packages["node_modules/@upstox-token/core"].resolved).toStartWith("file:");
        // Exit 0 only when every dependency and peer dependency is satisfied.
        await run("npm", ["ls", "--all"], { cwd: dir(), env: runtimeEnv(installer) });
      }
    },
    240_000,
  );

  test.skipIf(!installer)(
    "the consumer logs in once, then reads the token back from SQLite without a login",
    async () => {
      const env = {
        ...emulatorEnv(emulator.url),
        TOKEN_DB: join(dir(), "tokens.db"),
        UPSTOX_ACCOUNT: "main",
      };
      const logins = () => emulator.steps("token").length;
      const profiles = () => emulator.steps("profile").length;
      const loginsBefore = logins();

      const first = await runConsumer(installer!, dir(), "get-token-sqlite.js", env);
      expect(logins()).toBe(loginsBefore + 1);
      expect(first).toMatchObject({ account: "main", userId: DEMO_USER.userId });
      expect(first.expiresAt).toMatch(/T03:30:00\.000\+05:30$/);

      const profilesBefore = profiles();
      const second = await runConsumer(installer!, dir(), "get-token-sqlite.js", env);
      expect(second).toEqual(first); // the same record, read back from the file
      expect(logins()).toBe(loginsBefore + 1); // no second login
      expect(profiles()).toBe(profilesBefore + 1); // and the stored token still works
    },
    60_000,
  );

  const floor =
    installer && declaredFloor(installer.kind, ["@upstox-token/core", "@upstox-token/sink-sqlite"]);
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
        TOKEN_DB: join(dir(), "floor.db"),
        UPSTOX_ACCOUNT: `floor-${installer!.kind}`,
      };
      const logins = () => emulator.steps("token").length;
      const before = logins();
      const first = await runConsumer(oldest, dir(), "get-token-sqlite.js", env);
      expect(first).toMatchObject({ userId: DEMO_USER.userId });
      expect(await runConsumer(oldest, dir(), "get-token-sqlite.js", env)).toEqual(first);
      expect(logins()).toBe(before + 1);
    },
    240_000,
  );
});
