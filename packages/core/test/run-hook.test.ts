import { describe, expect, test } from "bun:test";
import { HOOK_INHERITED_ENV, hookProcessEnv, runHook, SecretRedactor } from "../src/index.js";

describe("runHook", () => {
  test("the environment is the allow-list plus the hook's own variables", async () => {
    const parentEnv = { PATH: process.env.PATH, HOME: "/home/x", UPSTOX_PIN_CODE: "135790", AWS_SECRET: "s" };
    expect(hookProcessEnv({ UPSTOX_ACCOUNT: "main" }, parentEnv)).toEqual({
      PATH: process.env.PATH!,
      HOME: "/home/x",
      UPSTOX_ACCOUNT: "main",
    });
    const result = await runHook({
      command: "env",
      env: { UPSTOX_ACCOUNT: "main" },
      timeoutMs: 5_000,
      parentEnv,
    });
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("UPSTOX_ACCOUNT=main");
    expect(result.output).not.toContain("UPSTOX_PIN_CODE");
    expect(result.output).not.toContain("AWS_SECRET");
    expect(HOOK_INHERITED_ENV).toContain("TZ");
  });

  test("output is redacted before it is cut, so a secret at the limit does not leak a prefix", async () => {
    const secret = "sk-live-0123456789abcdef";
    const result = await runHook({
      command: ["sh", "-c", `printf '%s' "$(printf 'x%.0s' $(seq 1 10))${secret}"; exit 4`],
      timeoutMs: 5_000,
      redactor: new SecretRedactor([secret]),
      outputLimit: 14,
    });
    expect(result.exitCode).toBe(4);
    expect(result.output).toBe("xxxxxxxxxx***");
  });

  test("a hook that hangs with a child holding the pipe is killed at the timeout, group and all", async () => {
    const result = await runHook({ command: "sleep 300 & wait", timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
  });

  test("a program that cannot start is reported, not thrown", async () => {
    const result = await runHook({ command: ["/nonexistent/program"], timeoutMs: 1_000 });
    expect(result.startError).toBeInstanceOf(Error);
  });
});
