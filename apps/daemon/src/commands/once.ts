import { formatIst } from "@upstox-token/core";
import type { RunSummary } from "../runner/daemon-runner.js";

/** --once: one line per account (and the next try, or the hint, when it failed). */
export function onceReport(summary: RunSummary): string {
  const lines = summary.accounts.map((o): string => {
    switch (o.result) {
      case "served":
        return `${o.account}: valid until ${formatIst(o.record.expiresAt)} (no login)`;
      case "refreshed":
        return `${o.account}: ${o.loggedIn ? "new token" : "token from another instance"}, valid until ${formatIst(o.record.expiresAt)}`;
      case "failed":
      case "rate-limited":
        return `${o.account}: FAILED ${o.error.code}: ${o.error.message}${o.result === "rate-limited" ? `\n  next try: not before ${formatIst(o.retryAt)} (not waiting: --once)` : ""}${o.error.hint ? `\n  hint: ${o.error.hint}` : ""}`;
      case "suspended":
        return `${o.account}: SUSPENDED ${o.error.code}`;
      default:
        return `${o.account}: aborted`;
    }
  });
  return `${lines.join("\n")}\n`;
}
