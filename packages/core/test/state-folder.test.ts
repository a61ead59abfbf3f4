import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import {
  ConfigError,
  claimDaemonPidFile,
  configKey,
  createToken,
  FileLock,
  guardHeadlessLogin,
  learnIdentityFrom,
  readStateFile,
  stateLayout,
  UpstoxTokenError,
  userStateFor,
  writeStateFile,
} from "../src/internal.js";
import { captureLogger } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempState(): string {
  const dir = mkdtempSync(join(tmpdir(), "core-state-"));
  dirs.push(dir);
  return dir;
}

const user = { mobile: "9876543210", clientId: "app-1" };
const token = (userId = "AB1234") =>
  createToken({ accessToken: "not.a.jwt", profile: { userId }, receivedAt: Date.now(), source: "totp" });

/** A process that has exited: its pid is free (kill(pid, 0) says ESRCH). */
async function deadPid(): Promise<number> {
  const child = Bun.spawn(["bun", "-e", "0"]);
  await child.exited;
  return child.pid;
}

test("state files: 0600 in a 0700 folder, version field, a corrupt file is absent and logged", () => {
  const file = join(tempState(), "users", "k", "x.json");
  writeStateFile(file, { version: 1, value: 3 });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
  const schema = z.object({ version: z.literal(1), value: z.number() });
  expect(readStateFile(file, schema)).toEqual({ version: 1, value: 3 });
  const logger = captureLogger();
  writeFileSync(file, "{ half");
  expect(readStateFile(file, schema, logger)).toBeUndefined();
  expect(logger.text()).toContain("not JSON");
  writeFileSync(file, JSON.stringify({ version: 2, value: 3 }));
  expect(readStateFile(file, schema, logger)).toBeUndefined();
  expect(logger.text()).toContain("unexpected shape or version");
  expect(readStateFile(join(dirname(file), "missing.json"), schema, logger)).toBeUndefined();
});

test("a refused PIN: a salted hash (never the PIN), the same PIN is stopped before the login, a changed PIN clears it", async () => {
  const state = userStateFor(tempState(), user);
  let logins = 0;
  const login = async () => {
    logins++;
    throw new UpstoxTokenError("WRONG_PIN", "You have entered an incorrect PIN", { pin: "refused" });
  };
  const guard = { state, account: "main", now: () => Date.parse("2026-12-08T01:00:00Z") };
  const first = guardHeadlessLogin(login, "111111", guard);
  await expect(first({ attempt: 1, signal: undefined })).rejects.toMatchObject({ code: "WRONG_PIN" });
  const text = readFileSync(state.refusedPin.file, "utf8");
  expect(text).not.toContain("111111");
  expect(JSON.parse(text)).toMatchObject({ version: 1, refusedAt: Date.parse("2026-12-08T01:00:00Z") });
  expect(statSync(state.refusedPin.file).mode & 0o777).toBe(0o600);

  // Another process, same user, same PIN: refused without calling Upstox.
  const again = guardHeadlessLogin(login, "111111", {
    ...guard,
    state: userStateFor(dirname(dirname(dirname(state.refusedPin.file))), user),
  });
  const error = (await again({ attempt: 1, signal: undefined }).catch((e) => e)) as UpstoxTokenError;
  expect(error.code).toBe("PIN_REFUSED_BEFORE");
  expect(error.message).toContain("2026-12-08 06:30 IST");
  expect(error.message).toContain("no process sends it again until it changes");
  expect(error.hint).toContain(state.refusedPin.file);
  expect(error.pin).toBe("not-sent");
  expect(logins).toBe(1);

  // A changed PIN: the record goes, the login runs.
  const fixed = guardHeadlessLogin(async () => token(), "222222", guard);
  await fixed({ attempt: 1, signal: undefined });
  expect(await Bun.file(state.refusedPin.file).exists()).toBe(false);
});

test("only an answer about the PIN records it: a rate limit or an expired session at the PIN step does not", async () => {
  const state = userStateFor(tempState(), user);
  for (const code of ["RATE_LIMITED", "LOGIN_SESSION_EXPIRED"] as const) {
    const login = guardHeadlessLogin(
      async () => {
        throw new UpstoxTokenError(code, "not about the PIN", { pin: "refused", retryable: true });
      },
      "111111",
      { state },
    );
    await expect(login({ attempt: 1, signal: undefined })).rejects.toMatchObject({ code });
    expect(state.refusedPin.check("111111")).toBeNull();
  }
  const unknown = guardHeadlessLogin(
    async () => {
      throw new UpstoxTokenError("UPSTOX_API", "an unknown answer to the PIN", { pin: "refused" });
    },
    "111111",
    { state },
  );
  await expect(unknown({ attempt: 1, signal: undefined })).rejects.toMatchObject({ code: "UPSTOX_API" });
  expect(state.refusedPin.check("111111")).not.toBeNull();
});

test("a rate limit is kept for the user: no login before retryAt, then allowed", async () => {
  let now = 1_000_000;
  const state = userStateFor(tempState(), user);
  let logins = 0;
  const limited = guardHeadlessLogin(
    async () => {
      logins++;
      throw new UpstoxTokenError("RATE_LIMITED", "too many OTPs", {
        waitAtLeastMs: 600_000,
        upstoxCode: "1017069",
        retryable: true,
      });
    },
    "111111",
    { state, now: () => now },
  );
  await expect(limited({ attempt: 1, signal: undefined })).rejects.toMatchObject({ code: "RATE_LIMITED" });
  expect(state.rateLimit.pendingUntil(now)).toBe(1_600_000);
  const other = guardHeadlessLogin(
    async () => {
      logins++;
      return token();
    },
    "111111",
    { state, now: () => now },
  );
  const error = (await other({ attempt: 1, signal: undefined }).catch((e) => e)) as UpstoxTokenError;
  expect(error).toMatchObject({ code: "RATE_LIMITED", waitAtLeastMs: 600_000, pin: "not-sent" });
  expect(logins).toBe(1);
  now = 1_600_000;
  await other({ attempt: 1, signal: undefined });
  expect(logins).toBe(2);
  expect(await Bun.file(state.rateLimit.file).exists()).toBe(false);
});

test("identity: learnt from the first verified login, kept when a later one differs; users are keyed by mobile and client id", async () => {
  const dir = tempState();
  const state = userStateFor(dir, user);
  await learnIdentityFrom(async () => token("AB1234"), { state })({ attempt: 1, signal: undefined });
  expect(state.identity.recall()).toBe("AB1234");
  await learnIdentityFrom(async () => token("ZZ9999"), { state })({ attempt: 1, signal: undefined });
  expect(state.identity.recall()).toBe("AB1234");
  expect(userStateFor(dir, { mobile: "+919876543210", clientId: "app-1" }).identity.recall()).toBe("AB1234");
  expect(userStateFor(dir, { mobile: "9876543211", clientId: "app-1" }).identity.recall()).toBeUndefined();
  expect(userStateFor(dir, { mobile: "9876543210", clientId: "app-2" }).key).not.toBe(state.key);
});

test("file lock: a holder that died on this host is taken over at once, not waited out", async () => {
  const dir = join(tempState(), "locks");
  const key = userStateFor(dir, user).key;
  // A real holder: another process takes the lock, then is SIGKILLed.
  const script = `
    const { FileLock } = await import(${JSON.stringify(join(import.meta.dir, "..", "src", "index.ts"))});
    const lock = new FileLock({ dir: ${JSON.stringify(dir)} });
    await lock.acquire(${JSON.stringify(key)}, { waitMs: 0 });
    console.log("locked");
    setInterval(() => {}, 1000);`;
  const child = Bun.spawn(["bun", "-e", script], { stdout: "pipe" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain("locked");
  const holder = JSON.parse(readFileSync(join(dir, `${key}.holder.json`), "utf8"));
  expect(holder.owner).toBe(`${child.pid}@${hostname()}`);
  const lock = new FileLock({ dir, pollMs: 20 });
  // Alive: not taken over.
  expect(await lock.acquire(key, { waitMs: 100 })).toBeNull();
  child.kill("SIGKILL");
  await child.exited;
  const started = Date.now();
  const handle = await lock.acquire(key, { waitMs: 10_000 });
  expect(handle).not.toBeNull();
  expect(Date.now() - started).toBeLessThan(1_000);
  await handle!.release();
  await lock.close();
});

test("file lock: a dead pid in the holder file is taken over; another host's holder is waited for", async () => {
  const dir = join(tempState(), "locks");
  mkdirSync(join(dir, "k1.lock"), { recursive: true });
  writeFileSync(
    join(dir, "k1.holder.json"),
    JSON.stringify({ owner: `${await deadPid()}@${hostname()}`, since: 1 }),
  );
  const lock = new FileLock({ dir, pollMs: 20 });
  const taken = await lock.acquire("k1", { waitMs: 0 });
  expect(taken).not.toBeNull();
  await taken!.release();
  mkdirSync(join(dir, "k2.lock"), { recursive: true });
  writeFileSync(
    join(dir, "k2.holder.json"),
    JSON.stringify({ owner: `${await deadPid()}@elsewhere`, since: 1 }),
  );
  expect(await lock.acquire("k2", { waitMs: 100 })).toBeNull();
  await lock.close();
});

test("the default lock folder is <state>/locks; UPSTOX_TOKEN_LOCK_DIR still wins", async () => {
  const { defaultLockDir } = await import("../src/index.js");
  expect(defaultLockDir({ UPSTOX_STATE_DIR: "/s" })).toBe(stateLayout.lockDir("/s"));
  expect(defaultLockDir({ UPSTOX_STATE_DIR: "/s", UPSTOX_TOKEN_LOCK_DIR: "/l" })).toBe("/l");
});

test("daemon pid file: a second claim names the live PID; a dead one is taken over; released only by its owner", async () => {
  const dir = tempState();
  const config = join(dir, "upstox-token.config.json");
  const file = stateLayout.daemonPid(dir, configKey(config));
  // A live other daemon.
  const other = Bun.spawn(["bun", "-e", "setInterval(() => {}, 1000)"]);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${other.pid}@${hostname()}\n`);
  try {
    const error = (() => {
      try {
        claimDaemonPidFile(dir, config);
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`PID ${other.pid}`);
  } finally {
    other.kill();
    await other.exited;
  }
  // Its process is gone: taken over.
  writeFileSync(file, `${await deadPid()}@${hostname()}\n`);
  const claim = claimDaemonPidFile(dir, config);
  expect(readFileSync(file, "utf8").trim()).toBe(`${process.pid}@${hostname()}`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  claim.release();
  expect(await Bun.file(file).exists()).toBe(false);
  // Fresh: created.
  const again = claimDaemonPidFile(dir, config);
  expect(await Bun.file(again.file).exists()).toBe(true);
  again.release();
});
