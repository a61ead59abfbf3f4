import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DEMO_APP, DEMO_USER } from "../src/index.js";

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
    expect(second).toContain("Demo app and user");
    const exited = once(child, "exit");
    child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
  });

  test("a bad flag exits 2", async () => {
    const child = spawn(process.execPath, [BIN, "--port", "abc"], { stdio: "ignore" });
    expect((await once(child, "exit"))[0]).toBe(2);
  });
});
