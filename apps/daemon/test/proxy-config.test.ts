import { describe, expect, test } from "bun:test";
import { ConfigError } from "@upstox-token/core";
import { validateConfig } from "../src/config/load-config.js";

const account = {
  name: "main",
  credentials: {
    mobile: "9876543210",
    pin: "123456",
    totpSecret: "JBSWY3DPEHPK3PXP",
    clientId: "key",
    clientSecret: "secret",
    redirectUri: "http://127.0.0.1:8976/callback",
  },
};

function problems(raw: Record<string, unknown>): string {
  try {
    validateConfig({ accounts: [account], sinks: [{ use: "env" }], ...raw }, { file: "/etc/upstox.json" });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("proxy config", () => {
  test("off by default; safe defaults when on", () => {
    const off = validateConfig({ accounts: [account], sinks: [{ use: "env" }] }, { file: null });
    expect(off.proxy).toBeUndefined();
    expect(off.watchdog.cooldownMs).toBe(300_000);
    const on = validateConfig({ accounts: [account], sinks: [{ use: "env" }], proxy: {} }, { file: null });
    expect(on.proxy).toMatchObject({
      listen: "127.0.0.1:8978",
      allowRemote: false,
      clientKeys: [],
      allowedOrigins: [],
      maxBodyBytes: 1_048_576,
      upstreamTimeoutMs: 30_000,
    });
  });

  test("allowRemote without client keys, a clear-text key, a bad listen address: named with the fix", () => {
    expect(problems({ proxy: { allowRemote: true } })).toContain("proxy.clientKeys");
    expect(problems({ proxy: { clientKeys: ["my-secret-key"] } })).toContain("sha256");
    expect(problems({ proxy: { listen: "8978" } })).toContain('"host:port"');
    expect(problems({ proxy: { defaultAccount: "other" } })).toContain("proxy.defaultAccount");
    expect(problems({ proxy: { upstreams: { "v2/order": "https://api-hft.upstox.com" } } })).toContain(
      "path prefix",
    );
  });
});
