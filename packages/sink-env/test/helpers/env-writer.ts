// A separate process that writes tokens into a .env file, for the kill and two-writer tests.
// Usage: bun env-writer.ts '<json WriterPlan>'. Prints "ready", then one line per completed write.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger } from "@upstox-token/core";
import { makeTestJwt, makeTestRecord } from "@upstox-token/sink-test-suite";
import { writeFileAtomic } from "../../src/atomic-write.js";
import { EnvFileSink, envSinkOptions, setEnvValues } from "../../src/index.js";

export interface WriterPlan {
  dir: string;
  /** "generations": account "main", generations start..start+count-1. "accounts": one new account per write. */
  kind: "generations" | "accounts" | "accounts-without-lock";
  start: number;
  count: number;
  accountPrefix?: string;
  /** Epoch ms to start at, so two writers begin together. */
  startAt?: number;
}

/** The record for a generation: its token's jti and its expiry both name the generation, so a mix shows. */
export function generationRecord(generation: number) {
  const issuedAt = Date.UTC(2026, 4, 1) + generation * 60_000;
  const expiresAt = issuedAt + 3_600_000;
  const accessToken = makeTestJwt({ userId: "7AB2CD", issuedAt, expiresAt, jti: `gen-${generation}` });
  return makeTestRecord({ generation, issuedAt, expiresAt, accessToken });
}

export function accountToken(account: string): string {
  return makeTestJwt({
    userId: "7AB2CD",
    issuedAt: 0,
    expiresAt: 3_600_000,
    jti: `account-${account}`,
  }).replace(/\.[^.]*$/, ".sig");
}

if (import.meta.main) {
  const plan = JSON.parse(process.argv[2] as string) as WriterPlan;
  const sink = new EnvFileSink(
    envSinkOptions.parse({ path: ".env", accountPrefix: plan.kind !== "generations" }),
    { baseDir: plan.dir, logger: silentLogger },
  );
  console.log("ready");
  while (plan.startAt && Date.now() < plan.startAt) await Bun.sleep(1);
  for (let i = plan.start; i < plan.start + plan.count; i++) {
    if (plan.kind === "generations") {
      await sink.write(generationRecord(i));
    } else {
      const account = `${plan.accountPrefix}${i}`;
      const record = makeTestRecord({ account, accessToken: accountToken(account) });
      if (plan.kind === "accounts") {
        await sink.write(record);
      } else {
        // The control: the same read-modify-write without the lock. It should lose updates.
        const path = join(plan.dir, ".env");
        const text = await readFile(path, "utf8").catch(() => "");
        // A millisecond between read and write (a slow disk) makes the race show on every run, not most.
        await Bun.sleep(1);
        const prefix = account.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
        const next = setEnvValues(text, new Map([[`${prefix}_UPSTOX_ACCESS_TOKEN`, accountToken(account)]]));
        await writeFileAtomic(path, next, { mode: 0o600 });
      }
    }
    console.log(String(i));
  }
  await sink.close();
}
