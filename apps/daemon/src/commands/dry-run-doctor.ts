import {
  type DoctorReport,
  type ExternalCheck,
  runDoctor,
  runExternal,
  silentLogger,
} from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import { createAccountLock } from "../runner/create-lock.js";

/** A probe key no account can have (account names are a safe alphabet without "_" first), so no refresh waits. */
const PROBE_ACCOUNT = "__doctor_probe__";

/** The lock is reachable: a probe key is taken and released (a file in the lock folder, or a Redis key). */
function lockCheck(config: DaemonConfig): ExternalCheck {
  return {
    name: `lock ${config.lock.use}`,
    async run() {
      const lock = await createAccountLock(config.lock, { baseDir: config.baseDir, logger: silentLogger });
      try {
        const handle = await lock.acquire(PROBE_ACCOUNT, { waitMs: 2_000 });
        if (!handle) throw new Error("the probe lock could not be taken within 2 s");
        await handle.release();
        return "reachable (a probe lock was taken and released)";
      } finally {
        await lock.close?.();
      }
    },
  };
}

/**
 * --dry-run's Upstox checks: the same as `upstox-token doctor`, per account (config, DNS, TLS, clock, dialog, each
 * login-service path; never an OTP or a PIN). The config and sinks were already checked by starting the daemon.
 */
export async function dryRunDoctor(
  config: DaemonConfig,
  fetch?: typeof globalThis.fetch,
): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  const lock = await runExternal(lockCheck(config));
  let ok = lock.ok;
  lines.push(`${lock.ok ? "ok  " : "FAIL"} ${lock.name}: ${lock.detail}`);
  if (!lock.ok && lock.fix) lines.push(`     fix: ${lock.fix}`);
  for (const account of config.accounts) {
    const report: DoctorReport = await runDoctor({ config: account.upstox, deps: fetch ? { fetch } : {} });
    ok &&= report.ok;
    lines.push(`${account.name}: ${report.ok ? "all Upstox checks passed" : "some Upstox checks FAILED"}`);
    for (const check of report.checks) {
      lines.push(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
      if (!check.ok && check.fix) lines.push(`       fix: ${check.fix}`);
    }
  }
  return { ok, text: `${lines.join("\n")}\n` };
}
