import { formatIst, formatLocal } from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import { nextRuns } from "../runner/schedule.js";

/** --dry-run: what would happen, and when. */
export function dryRunReport(config: DaemonConfig, now: number): string {
  const lines = [`config: ${config.file ?? "(given as an object)"}`, `lock: ${config.lock.use}`, ""];
  for (const account of config.accounts) {
    const sinks = (account.sinks ?? config.sinks).map((s) => s.spec.use).join(", ");
    lines.push(`${account.name} (${account.flow}) → ${sinks}`);
    lines.push(
      `  schedule: "${account.schedule.cron}" in ${account.schedule.timezone}, jitter up to ${account.schedule.jitterMaxMs} ms`,
    );
    for (const at of nextRuns(account.schedule, account.name, now, 3)) {
      lines.push(`  next: ${formatIst(at)}  (${formatLocal(at)})`);
    }
  }
  for (const warning of config.warnings) lines.push(`warning: ${warning}`);
  lines.push("", "dry run: config valid, sinks checked, nothing logged in; the Upstox checks follow.", "");
  return `${lines.join("\n")}\n`;
}
