import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "../src/index.js";
import { LoginDriver } from "./support/login-driver.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  emulator.clearLog();
  emulator.setLatency(0);
});

const PROFILE = "/v2/user/profile";
const profileStatus = () => fetch(`${emulator.url}${PROFILE}`).then((r) => r.status);

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

describe("fault injection", () => {
  test("status, body and headers answer instead of the handler, once by default", async () => {
    emulator.inject({ path: PROFILE, status: 503, body: "upstream down", headers: { "retry-after": "1" } });
    const faulted = await fetch(`${emulator.url}${PROFILE}`);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get("retry-after")).toBe("1");
    expect(faulted.headers.get("content-type")).toStartWith("text/plain");
    expect(await faulted.text()).toBe("upstream down");
    expect(await profileStatus()).toBe(401);
    expect(emulator.steps("profile").map((e) => e.status)).toEqual([503, 401]);
  });

  test("a JSON body is served as application/json", async () => {
    emulator.inject({ path: "/v2/login/authorization/token", status: 200, body: '{"weird":true}' });
    const response = await fetch(`${emulator.url}/v2/login/authorization/token`, { method: "POST" });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ weird: true });
  });

  test("count applies the fault that many times; Infinity until cleared", async () => {
    emulator.inject({ path: PROFILE, status: 500, count: 2 });
    expect([await profileStatus(), await profileStatus(), await profileStatus()]).toEqual([500, 500, 401]);
    emulator.inject({ path: PROFILE, status: 429, count: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 5; i++) expect(await profileStatus()).toBe(429);
    emulator.clearFaults();
    expect(await profileStatus()).toBe(401);
  });

  test("delay only: waits, then the normal handler answers", async () => {
    emulator.inject({ path: PROFILE, delayMs: 250 });
    const [status, ms] = await timed(profileStatus);
    expect(status).toBe(401);
    expect(ms).toBeGreaterThanOrEqual(240);
    const [, fast] = await timed(profileStatus);
    expect(fast).toBeLessThan(200);
  });

  test("method filter and RegExp paths", async () => {
    emulator.inject({ path: /^\/login\/open\/v\d+\/auth\/2fa$/, method: "post", status: 502 });
    const get = await fetch(`${emulator.url}/login/open/v3/auth/2fa`);
    expect(get.status).toBe(404);
    const post = await fetch(`${emulator.url}/login/open/v4/auth/2fa`, { method: "POST", body: "{}" });
    expect(post.status).toBe(502);
  });

  test("a fault in the middle of a login", async () => {
    const driver = new LoginDriver(emulator);
    await driver.dialog();
    emulator.inject({ path: "/login/open/v6/auth/1fa/otp/generate", status: 500, body: "" });
    const response = await fetch(`${emulator.url}/login/open/v6/auth/1fa/otp/generate`, {
      method: "POST",
      headers: driver.headers,
      body: JSON.stringify({ data: { mobileNumber: "9876543210", userId: driver.dialogUserId } }),
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    expect((await driver.generateOtp()).success).toBe(true);
  });

  test("latency is added to every request", async () => {
    emulator.setLatency(150);
    const [, ms] = await timed(profileStatus);
    expect(ms).toBeGreaterThanOrEqual(140);
  });

  test("faults and the log over the HTTP control endpoints", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${emulator.url}/__emulator/${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) =>
        r.json(),
      ) as Promise<Record<string, unknown>>;
    expect(await post("faults", { path: PROFILE, status: 418, count: "Infinity" })).toEqual({ ok: true });
    expect(await profileStatus()).toBe(418);
    expect(await profileStatus()).toBe(418);
    await post("faults/clear", {});
    expect(await profileStatus()).toBe(401);
    const log = await post("log", { clear: true });
    expect((log.entries as unknown[]).length).toBe(3);
    expect(emulator.log).toHaveLength(0);
    expect(await post("faults", { status: 1 })).toMatchObject({ ok: false });
    await post("faults", { pathPattern: "^/v2/user/", status: 499 });
    expect(await profileStatus()).toBe(499);
    await post("reset", {});
    expect(emulator.log).toHaveLength(0);
  });
});
