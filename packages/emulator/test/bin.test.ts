import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DEMO_APP, DEMO_USER, type Emulator } from "../src/index.js";
import { LoginDriver } from "./support/login-driver.js";

const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));

function startBin(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  const lines = new Promise<string[]>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const all = stdout.split("\n");
      if (all.length >= 3) resolve(all);
    });
    child.once("exit", (code) => reject(new Error(`bin exited early with ${code}: ${stdout}`)));
  });
  return { child, lines };
}

describe("upstox-emulator bin", () => {
  test("prints its URL first, then the demo credentials; serves; exits 0 on SIGTERM", async () => {
    const { child, lines } = startBin(["--port", "0", "--json", "--quiet"]);
    try {
      const [first = "", second = ""] = await lines;
      expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.parse(second)).toEqual({
        url: first,
        apiBase: first,
        serviceBase: first,
        apiKey: DEMO_APP.apiKey,
        apiSecret: DEMO_APP.apiSecret,
        redirectUri: DEMO_APP.redirectUri,
        mobile: DEMO_USER.mobile,
        totpSecret: DEMO_USER.totpSecret,
        pin: DEMO_USER.pin,
        userId: DEMO_USER.userId,
      });
      const dialog = await fetch(
        `${first}/v2/login/authorization/dialog?response_type=code&client_id=${DEMO_APP.apiKey}&redirect_uri=${encodeURIComponent(DEMO_APP.redirectUri)}`,
        { redirect: "manual" },
      );
      expect(dialog.status).toBe(302);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
    }
  });

  test("human output and SIGINT", async () => {
    const { child, lines } = startBin(["--latency", "5", "--quiet"]);
    const [first = "", second = ""] = await lines;
    expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(second).toContain("Demo app and the demo user");
    const exited = once(child, "exit");
    child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
  });

  test("prints export lines a shell takes as they are, UPSTOX_API_BASE and UPSTOX_SERVICE_BASE included", async () => {
    const { child, lines } = startBin(["--quiet"]);
    try {
      const all = await lines;
      const url = all[0]!;
      const exports = all.filter((line) => line.startsWith("export "));
      const shell = Bun.spawnSync(["sh", "-c", `${exports.join("\n")}\nenv`]);
      const env = Object.fromEntries(
        shell.stdout
          .toString()
          .split("\n")
          .filter((l) => l.startsWith("UPSTOX_"))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      expect(env).toEqual({
        UPSTOX_API_BASE: url,
        UPSTOX_SERVICE_BASE: url,
        UPSTOX_CLIENT_ID: DEMO_APP.apiKey,
        UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
        UPSTOX_REDIRECT_URI: DEMO_APP.redirectUri,
        UPSTOX_USERNAME: DEMO_USER.mobile,
        UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
        UPSTOX_PIN_CODE: DEMO_USER.pin,
      });
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("--app with --notifier-url: the v3 token request works for that app, as request-token needs", async () => {
    const hook = "http://127.0.0.1:8977/upstox/notifier";
    const { child, lines } = startBin([
      "--quiet",
      "--json",
      "--app",
      "my-key:my:secret",
      "--notifier-url",
      hook,
    ]);
    try {
      const [url = "", second = ""] = await lines;
      expect(JSON.parse(second)).toMatchObject({
        apiKey: "my-key",
        apiSecret: "my:secret",
        notifierUrl: hook,
      });
      const request = (apiKey: string, secret: string) =>
        fetch(`${url}/v3/login/auth/token/request/${apiKey}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ client_secret: secret }),
        }).then((r) => r.json() as Promise<{ status: string; data?: { notifier_url?: string } }>);
      expect(await request("my-key", "my:secret")).toMatchObject({
        status: "success",
        data: { notifier_url: hook },
      });
      // The demo app is still there, without a notifier (UDAPI1155), as before.
      expect((await request(DEMO_APP.apiKey, DEMO_APP.apiSecret)).status).toBe("error");
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("--no-otp-limit lifts the OTP-generate limit (10 per 10 minutes by default)", async () => {
    const generateMany = async (args: string[]) => {
      const { child, lines } = startBin(["--quiet", "--json", ...args]);
      try {
        const [url = ""] = await lines;
        const driver = new LoginDriver({ url } as Emulator);
        await driver.dialog();
        let refused = 0;
        for (let i = 0; i < 12; i++) if ((await driver.generateOtp()).success !== true) refused++;
        return refused;
      } finally {
        child.kill("SIGTERM");
      }
    };
    expect(await generateMany([])).toBeGreaterThan(0);
    expect(await generateMany(["--no-otp-limit"])).toBe(0);
  });

  test("a bad flag exits 2", async () => {
    for (const args of [
      ["--port", "abc"],
      ["--app", "no-secret"],
      ["--notifier-url", "ftp://x"],
      ["--redirect-uri", "http://a/b"],
    ]) {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
      expect((await once(child, "exit"))[0]).toBe(2);
    }
  });
});
