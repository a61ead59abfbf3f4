import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import {
  ConfigError,
  ENDPOINT_PROFILE_2026_05,
  type EndpointMemory,
  endpointMemoryIn,
  loginWithTotp,
  type RememberedEndpoints,
  requestAccessToken,
  type UpstoxTokenError,
} from "../src/index.js";
import { captureLogger, caught, demoConfig } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const V6_GENERATE = "/login/open/v6/auth/1fa/otp/generate";
const V4_GENERATE = "/login/open/v4/auth/1fa/otp/generate";

const tempDir = () => mkdtempSync(join(tmpdir(), "upstox-endpoints-"));
const pinRequests = () => emu.steps("2fa").filter((e) => e.status !== 404 && e.status !== 405);

async function loginError(run: () => Promise<unknown>): Promise<UpstoxTokenError> {
  return (await caught(run)) as UpstoxTokenError;
}

describe("per-step fallback", () => {
  test("v6 generate retired, generate at v4: a default login succeeds with one PIN, the next goes straight to v4", async () => {
    emu.retirePath(V6_GENERATE);
    const memory = endpointMemoryIn(tempDir());
    const logger = captureLogger();
    const token = await loginWithTotp(demoConfig(emu), { endpointMemory: memory, logger });
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(emu.steps("otp-generate").map((e) => [e.path, e.status])).toEqual([
      [V6_GENERATE, 404],
      [V4_GENERATE, 200],
    ]);
    expect(pinRequests()).toHaveLength(1);
    const warnings = logger.lines.filter((l) => l.level === "warn").map((l) => l.message);
    expect(warnings).toEqual([
      `Upstox moved otp-generate to ${V4_GENERATE}; using profile 2026-05 for this step (remembered for the next login)`,
    ]);
    const stored = JSON.parse(readFileSync(memory.file, "utf8"));
    expect(JSON.stringify(stored)).not.toContain(DEMO_USER.mobile);

    emu.clearLog();
    const second = captureLogger();
    await loginWithTotp(demoConfig(emu), { endpointMemory: memory, logger: second });
    expect(emu.steps("otp-generate").map((e) => [e.path, e.status])).toEqual([[V4_GENERATE, 200]]);
    expect(second.lines.filter((l) => l.level === "warn")).toEqual([]);
  });

  test("once the configured path answers again, the memory forgets the account", async () => {
    const memory = endpointMemoryIn(tempDir());
    emu.retirePath(V6_GENERATE);
    await loginWithTotp(demoConfig(emu), { endpointMemory: memory });
    emu.restoreServicePaths();
    emu.retirePath(V4_GENERATE);
    emu.clearLog();
    await loginWithTotp(demoConfig(emu), { endpointMemory: memory });
    expect(emu.steps("otp-generate").map((e) => [e.path, e.status])).toEqual([
      [V4_GENERATE, 404],
      [V6_GENERATE, 200],
    ]);
    expect(JSON.parse(readFileSync(memory.file, "utf8")).accounts).toEqual({});
  });

  test("a JSON 404 and a 405 count as gone too; the PIN step falls back only on such answers", async () => {
    emu.retirePath("/login/open/v3/auth/2fa", "json-404");
    const token = await loginWithTotp(demoConfig(emu));
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    // v3 gone → 2026-09's v4 (with profileId in the body, as that variant wants)
    expect(emu.steps("2fa").map((e) => [e.path, e.status])).toEqual([
      ["/login/open/v3/auth/2fa", 404],
      ["/login/open/v4/auth/2fa", 200],
    ]);
    emu.reset();
    emu.retirePath(V6_GENERATE, "405");
    await loginWithTotp(demoConfig(emu));
    expect(emu.steps("otp-generate").map((e) => e.status)).toEqual([405, 200]);
  });

  test("the TOTP retry goes straight to the verify path that answered", async () => {
    emu.retirePath("/login/open/v4/auth/1fa/otp-totp/verify");
    emu.rejectTotp(1);
    let now = Date.now();
    const token = await loginWithTotp(demoConfig(emu), {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(emu.steps("otp-verify").map((e) => [e.path, e.status])).toEqual([
      ["/login/open/v4/auth/1fa/otp-totp/verify", 404],
      ["/login/open/v5/auth/1fa/otp-totp/verify", 200],
      ["/login/open/v5/auth/1fa/otp-totp/verify", 200],
    ]);
  });

  test("a service answer to the PIN ends the login: a wrong PIN is never sent to another path", async () => {
    const error = await loginError(() => loginWithTotp(demoConfig(emu, { pin: "000000" })));
    expect(error.code).toBe("WRONG_PIN");
    expect(error.pin).toBe("refused");
    expect(emu.steps("2fa")).toHaveLength(1);
  });

  test("every path moved to unknown versions: ENDPOINT_NOT_FOUND naming the step, the paths and UPSTOX_ENDPOINT_PROFILE; no PIN; a profile file fixes it", async () => {
    emu.setServicePaths({
      "/login/open/v7/auth/1fa/otp/generate": V6_GENERATE,
      "/login/open/v7/auth/1fa/otp-totp/verify": "/login/open/v4/auth/1fa/otp-totp/verify",
      "/login/open/v7/auth/2fa": "/login/open/v3/auth/2fa",
      "/login/v3/oauth/authorize": "/login/v2/oauth/authorize",
    });
    const error = await loginError(() => loginWithTotp(demoConfig(emu)));
    expect(error.code).toBe("ENDPOINT_NOT_FOUND");
    expect(error.retryable).toBe(false);
    expect(error.pin).toBe("not-sent");
    expect(error.message).toContain("otp-generate");
    expect(error.message).toContain(V6_GENERATE);
    expect(error.message).toContain(V4_GENERATE);
    expect(error.hint).toContain("UPSTOX_ENDPOINT_PROFILE");
    expect(error.hint).toContain("developer tools");
    expect(emu.steps("2fa")).toHaveLength(0);

    const dir = tempDir();
    const file = join(dir, "upstox-endpoints.json");
    writeFileSync(
      file,
      JSON.stringify({
        base: "default",
        paths: {
          generateOtp: "/login/open/v7/auth/1fa/otp/generate",
          verifyOtp: "/login/open/v7/auth/1fa/otp-totp/verify",
          twoFa: "/login/open/v7/auth/2fa",
          authorize: "/login/v3/oauth/authorize",
        },
      }),
    );
    emu.clearLog();
    const config = demoConfig(emu, { endpointProfile: file });
    expect(config.endpointProfile.name).toBe("upstox-endpoints");
    const token = await loginWithTotp(config);
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(emu.log.every((e) => e.status < 400)).toBe(true);
  });

  test("a remembered path that has gone since is skipped and the search goes on", async () => {
    const remembered: RememberedEndpoints = {
      configuredProfile: "default",
      steps: { generateOtp: { path: "/login/open/v9/auth/1fa/otp/generate", profile: "default" } },
      updatedAt: 0,
    };
    const saved: (RememberedEndpoints | undefined)[] = [];
    const memory: EndpointMemory = {
      recall: async () => remembered,
      remember: async (_key, entry) => {
        saved.push(entry);
      },
    };
    await loginWithTotp(demoConfig(emu), { endpointMemory: memory });
    // A path the emulator never knew answers UDAPI10000 (404), which is "gone" too.
    expect(emu.log.map((e) => e.path).filter((p) => p.includes("/otp/generate"))).toEqual([
      "/login/open/v9/auth/1fa/otp/generate",
      V6_GENERATE,
    ]);
    expect(saved).toEqual([undefined]);
  });
});

describe("Cloudflare blocks", () => {
  test("a challenge page at generate is BLOCKED: one request, no fallback, no profile hint, no PIN", async () => {
    emu.cloudflareChallenge({ path: V6_GENERATE, count: 5 });
    const error = await loginError(() => loginWithTotp(demoConfig(emu)));
    expect(error.code).toBe("BLOCKED");
    expect(error.retryable).toBe(false);
    expect(error.pin).toBe("not-sent");
    expect(error.message).toContain("1010");
    expect(error.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE|whitelist/i);
    expect(emu.steps("otp-generate")).toHaveLength(1);
  });

  test("a challenge page at 2FA: BLOCKED, and the PIN counts as not sent (the edge answered, not the service)", async () => {
    emu.cloudflareChallenge({ path: "/login/open/v3/auth/2fa" });
    const error = await loginError(() => loginWithTotp(demoConfig(emu)));
    expect(error.code).toBe("BLOCKED");
    expect(error.pin).toBe("not-sent");
    expect(emu.steps("2fa")).toHaveLength(1);
  });

  test("a challenge page at the dialog is BLOCKED too", async () => {
    emu.cloudflareChallenge({ path: "/v2/login/authorization/dialog" });
    const error = await loginError(() => loginWithTotp(demoConfig(emu)));
    expect(error.code).toBe("BLOCKED");
    expect(emu.steps("otp-generate")).toHaveLength(0);
  });
});

describe("the May 2026 variant", () => {
  test("2026-05: generate v4, 2FA v6 and approval at /login/open/v6 with the account host forced", async () => {
    const token = await loginWithTotp(demoConfig(emu, { endpointProfile: "2026-05" }));
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(emu.log.map((e) => e.path)).toEqual([
      "/v2/login/authorization/dialog",
      ENDPOINT_PROFILE_2026_05.paths.generateOtp,
      ENDPOINT_PROFILE_2026_05.paths.verifyOtp,
      ENDPOINT_PROFILE_2026_05.paths.twoFa,
      ENDPOINT_PROFILE_2026_05.paths.authorize,
      "/v2/login/authorization/token",
    ]);
  });

  test("a code in the 2FA answer is used: no approval call", async () => {
    emu.codeInTwoFaResponse();
    const token = await loginWithTotp(demoConfig(emu));
    expect(emu.isTokenValid(token.accessToken.reveal())).toBe(true);
    expect(emu.steps("oauth-authorize")).toHaveLength(0);
  });
});

describe("several accounts on one mobile number", () => {
  const mobile = "9123456780";
  beforeAll(() => {
    emu.addUser({
      mobile,
      totpSecret: DEMO_USER.totpSecret,
      pin: "246810",
      userId: "AB1111",
      profileId: 41,
      linkedAccounts: [{ userId: "CD2222", profileId: 42 }],
    });
  });
  const config = (ucc?: string) =>
    demoConfig(emu, { mobile: mobile, pin: "246810", endpointProfile: "2026-09", ...(ucc ? { ucc } : {}) });

  test("no UPSTOX_UCC: a config error listing the accounts, before the PIN", async () => {
    const error = await loginError(() => loginWithTotp(config()));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("AB1111, CD2222");
    expect(error.hint).toContain("UPSTOX_UCC");
    expect(error.pin).toBe("not-sent");
    expect(emu.steps("2fa")).toHaveLength(0);
  });

  test("UPSTOX_UCC chooses the account; an unknown one lists what Upstox offers", async () => {
    const token = await loginWithTotp(config("cd2222"));
    expect(token.profile.userId).toBe("CD2222");
    const error = await loginError(() => loginWithTotp(config("ZZ9999")));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("AB1111, CD2222");
  });
});

describe("the token request without a notifier URL", () => {
  test("UDAPI1155 says to set the notifier URL in the developer console, not to change a profile", async () => {
    // The demo app has no notifier URL.
    const error = await loginError(() => requestAccessToken(demoConfig(emu)));
    expect(error.upstoxCode).toBe("UDAPI1155");
    expect(error.hint).toContain("developer console");
    expect(error.hint).not.toContain("UPSTOX_ENDPOINT_PROFILE");
  });
});
