import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { readEnvironment } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import { runBin, tempDir } from "./support/run-bin.js";

// Issue 19: what a newcomer outside the clone runs after `init`.

const secretEnv = {
  UPSTOX_PIN_CODE: DEMO_USER.pin,
  UPSTOX_TOTP_SECRET: DEMO_USER.totpSecret,
  UPSTOX_CLIENT_SECRET: DEMO_APP.apiSecret,
};

/** A PATH folder holding bun alone: neither upstox-token nor upstox-token-daemon is on it, as outside the clone. */
function bunOnlyPath(): string {
  const bin = tempDir("upstox-bun-only-");
  symlinkSync(process.execPath, join(bin, "bun"));
  return bin;
}

test("init takes +91 in front of the mobile number, and its Next: steps run where the user is", async () => {
  const dir = tempDir("upstox-init-next-");
  execFileSync("git", ["init", "-q", dir], { stdio: "ignore" });
  const result = await runBin(
    [
      "init",
      "--yes",
      "--no-rehearse",
      "--mobile",
      `+91${DEMO_USER.mobile}`,
      "--client-id",
      DEMO_APP.apiKey,
      "--redirect-uri",
      DEMO_APP.redirectUri,
      "--sink",
      "env:tokens.env",
    ],
    { cwd: dir, env: { ...secretEnv, PATH: bunOnlyPath() } },
  );
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(readEnvironment({}, join(dir, ".env")).UPSTOX_USERNAME).toBe(DEMO_USER.mobile);

  const next = result.stdout.slice(result.stdout.indexOf("Next:")).split("\n").slice(1);
  const checkEnv = next.find((line) => line.includes(" check-env"))?.trim();
  expect(checkEnv).toBeDefined();
  expect(checkEnv).not.toMatch(/^upstox-token /);
  expect(checkEnv).not.toContain("bunx --bun upstox-token");
  expect(result.stdout).toContain("not on PATH");
  // The step, run as printed from that folder, works.
  const ran = Bun.spawnSync(["/bin/sh", "-c", checkEnv!], {
    cwd: dir,
    env: { PATH: bunOnlyPath(), HOME: process.env.HOME ?? "", NO_COLOR: "1" },
  });
  expect(ran.stdout.toString()).toContain("UPSTOX_USERNAME");
  expect(ran.exitCode).toBe(0);
  const dryRun = next.find((line) => line.includes("--dry-run"))?.trim();
  expect(dryRun).not.toMatch(/^upstox-token-daemon /);

  const config = JSON.parse(readFileSync(join(dir, "upstox-token.config.json"), "utf8")) as {
    $schema?: string;
  };
  if (config.$schema !== undefined) expect(existsSync(resolve(dir, config.$schema))).toBe(true);
});
