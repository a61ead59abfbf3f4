import { type DoctorReport, runDoctor } from "@upstox-token/core";
import type { DaemonConfig } from "./config/resolve-config.js";

/**
 * --dry-run's Upstox checks: the same as `upstox-token doctor`, per account (config, DNS, TLS, clock, dialog, each
 * login-service path; never an OTP or a PIN). The config and sinks were already checked by starting the daemon.
 */
export async function dryRunDoctor(
  config: DaemonConfig,
  fetch?: typeof globalThis.fetch,
): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  let ok = true;
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
