import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@upstox-token/core";
import { DEMO_APP, DEMO_USER, type Emulator } from "@upstox-token/emulator";

export const DAEMON_BIN = join(import.meta.dir, "..", "..", "src", "bin.ts");

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A random 160-bit base32 TOTP secret. */
export function randomTotpSecret(): string {
  const bytes = randomBytes(20);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export function tempDir(prefix = "daemon-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestAccount {
  name: string;
  mobile: string;
  pin: string;
  totpSecret: string;
}

/** Registers `count` users in the emulator (the demo app is shared) and returns their credentials. */
export function addUsers(emulator: Emulator, count: number, prefix = "acct"): TestAccount[] {
  const accounts: TestAccount[] = [];
  for (let i = 0; i < count; i++) {
    const account = {
      name: `${prefix}-${i + 1}`,
      mobile: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`,
      pin: String(100000 + Math.floor(Math.random() * 899999)),
      totpSecret: randomTotpSecret(),
    };
    emulator.addUser({ mobile: account.mobile, pin: account.pin, totpSecret: account.totpSecret });
    accounts.push(account);
  }
  return accounts;
}

export function demoAccount(name = "demo"): TestAccount {
  return { name, mobile: DEMO_USER.mobile, pin: DEMO_USER.pin, totpSecret: DEMO_USER.totpSecret };
}

/** The config entry for an account logging in to the emulator. */
export function accountEntry(emulator: Emulator, account: TestAccount, extra: Record<string, unknown> = {}) {
  return {
    name: account.name,
    credentials: {
      mobile: account.mobile,
      pin: account.pin,
      totpSecret: account.totpSecret,
      clientId: DEMO_APP.apiKey,
      clientSecret: DEMO_APP.apiSecret,
      redirectUri: DEMO_APP.redirectUri,
      apiBase: emulator.apiBase,
      serviceBase: emulator.serviceBase,
    },
    ...extra,
  };
}

export function writeConfig(dir: string, config: unknown, name = "upstox-token.config.json"): string {
  const file = join(dir, name);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  chmodSync(file, 0o600);
  return file;
}

/** A logger that keeps every line, to assert on what was (and was not) logged. */
export function memoryLogger(): Logger & {
  lines: { level: string; fields: Record<string, unknown>; message?: string }[];
} {
  const lines: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) => {
    lines.push({ level, fields, ...(message !== undefined ? { message } : {}) });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Login requests (the "token" exchange step) the emulator answered successfully, per mobile when known. */
export function loginCount(emulator: Emulator): number {
  return emulator.steps("token").filter((e) => e.status === 200).length;
}

export const IST_OFFSET_MS = 5.5 * 3_600_000;

/** Epoch ms of a wall-clock time in IST, e.g. ist("2026-11-23T09:00"). */
export function ist(local: string): number {
  return Date.parse(`${local}:00+05:30`);
}
