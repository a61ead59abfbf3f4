import type { Logger } from "@upstox-token/core";
import { formatIst, formatLocal } from "@upstox-token/core";
import type { DaemonConfig } from "../config/resolve-config.js";
import type { DaemonEvents } from "../observe/event-bus.js";
import { nextRunAt } from "./schedule.js";

/** When the next run is, as an operator reads it: IST (the schedule's own zone) and the machine's time. */
function when(at: number): { nextRun: string; local: string } {
  return { nextRun: formatIst(at), local: formatLocal(at) };
}

/**
 * Logs the next scheduled run: at start (the earliest across accounts, and how many run then), and after each
 * account's cycle (the runner's `scheduled` event). A daemon that says nothing until 03:35 looks dead.
 */
export function logSchedule(
  events: DaemonEvents,
  config: () => DaemonConfig,
  logger: Logger,
  now: () => number = Date.now,
): () => void {
  const at = now();
  const runs = config()
    .accounts.map((account) => ({ account: account.name, at: nextRunAt(account.schedule, account.name, at) }))
    .filter((run): run is { account: string; at: number } => run.at !== null)
    .sort((a, b) => a.at - b.at);
  const first = runs[0];
  if (first) {
    const sameDay = runs.filter((run) => run.at - first.at < 3_600_000).length;
    logger.info(
      { ...when(first.at), account: first.account, accounts: sameDay },
      sameDay > 1
        ? `next scheduled run ${formatIst(first.at)} (${first.account} and ${sameDay - 1} more within the hour)`
        : `next scheduled run ${formatIst(first.at)} (${first.account})`,
    );
  }
  return events.on((event) => {
    if (event.type !== "scheduled") return;
    logger.info(
      { account: event.account, ...when(event.nextRunAt) },
      `next run ${formatIst(event.nextRunAt)} (${event.account})`,
    );
  });
}
