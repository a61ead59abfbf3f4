import { describe, expect, test } from "bun:test";
import { envSink, envSinkOptions } from "../src/index.js";

describe("envSinkOptions", () => {
  test("defaults", () => {
    const options = envSinkOptions.parse({ path: ".env" });
    expect(options.keys).toEqual({
      accessToken: "UPSTOX_ACCESS_TOKEN",
      expiresAt: "UPSTOX_ACCESS_TOKEN_EXPIRES_AT",
      generation: "UPSTOX_ACCESS_TOKEN_GENERATION",
      account: "UPSTOX_ACCESS_TOKEN_ACCOUNT",
      revokedAt: "UPSTOX_ACCESS_TOKEN_REVOKED_AT",
    });
    expect(options.mode).toBe(0o600);
    expect(options.tightenMode).toBe(false);
    expect(options.followSymlinks).toBe(false);
    expect(options.accountPrefix).toBe(false);
    expect(options.lockTimeoutMs).toBe(10_000);
  });

  test("mode is an octal string", () => {
    expect(envSinkOptions.parse({ path: ".env", mode: "0640" }).mode).toBe(0o640);
    expect(envSinkOptions.parse({ path: ".env", mode: "600" }).mode).toBe(0o600);
    expect(envSinkOptions.parse({ path: ".env", mode: "0400" }).mode).toBe(0o400);
  });

  test("a numeric mode is refused with a message that says to quote it", () => {
    const result = envSinkOptions.safeParse({ path: ".env", mode: 600 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'mode must be an octal string such as "0600", not the number 600 (quote it)',
    );
  });

  test("a mode that is not octal is refused", () => {
    for (const mode of ["0800", "rw-------", "06000", ""]) {
      expect(envSinkOptions.safeParse({ path: ".env", mode }).success, mode).toBe(false);
    }
  });

  test("keys can be renamed, and must differ", () => {
    const options = envSinkOptions.parse({ path: ".env", keys: { accessToken: "access_token" } });
    expect(options.keys.accessToken).toBe("access_token");
    expect(options.keys.expiresAt).toBe("UPSTOX_ACCESS_TOKEN_EXPIRES_AT");
    expect(
      envSinkOptions.safeParse({ path: ".env", keys: { expiresAt: "UPSTOX_ACCESS_TOKEN" } }).success,
    ).toBe(false);
    expect(envSinkOptions.safeParse({ path: ".env", keys: { accessToken: "has space" } }).success).toBe(
      false,
    );
    expect(envSinkOptions.safeParse({ path: ".env", keys: { unknown: "X" } }).success).toBe(false);
  });

  test("unknown options are refused", () => {
    expect(envSinkOptions.safeParse({ path: ".env", modee: "0600" }).success).toBe(false);
  });

  test("shorthand", () => {
    expect(envSink.kind).toBe("env");
    expect(envSink.fromShorthand?.("config/.env")).toEqual({ path: "config/.env" });
  });
});
