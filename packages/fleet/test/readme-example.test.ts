import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { redisInstalled, startRedis } from "./support.js";

let redis: Awaited<ReturnType<typeof startRedis>>;
let emulator: Emulator;

beforeAll(async () => {
  if (!redisInstalled()) return;
  redis = await startRedis();
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.close();
  await redis?.stop();
});

/** The README's library example, taken from the README itself and run against the emulator and a real Redis. */
test.skipIf(!redisInstalled())(
  "the README's worker example runs and logs in once",
  async () => {
    const readme = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");
    const code = /## The library API[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const file = join(import.meta.dir, "fixtures", "readme-example.generated.ts");
    await Bun.write(file, (code ?? "").replace('"redis://127.0.0.1:6379"', JSON.stringify(redis.url)));
    const child = Bun.spawn([process.execPath, file], {
      cwd: join(import.meta.dir, ".."),
      env: {
        ...process.env,
        UPSTOX_USERNAME: DEMO_USER.mobile,
        UPSTOX_PIN_CODE: DEMO_USER.pin,
        UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
        UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
        UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
        UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
        UPSTOX_API_BASE: emulator.apiBase,
        UPSTOX_SERVICE_BASE: emulator.serviceBase,
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code_, out, err] = await Promise.all([
      child.exited,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]).finally(() => rmSync(file, { force: true }));
    expect({ code: code_, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain('state: "completed"');
    expect(out).toContain("loggedIn: true");
    expect(emulator.log.filter((e) => e.step === "token")).toHaveLength(1);
  },
  30_000,
);
