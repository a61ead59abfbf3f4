import { IST_OFFSET_MS } from "@upstox-token/core";

/** Upstox tokens die at 03:30 IST; a refresh belongs to the trading day whose 03:30 it follows. */
const EXPIRY_MS = 210 * 60_000;

/** The trading day (YYYY-MM-DD, IST) a refresh at `now` belongs to: the IST date of `now − 03:30`. */
export function tradingDay(now: number): string {
  return new Date(now + IST_OFFSET_MS - EXPIRY_MS).toISOString().slice(0, 10);
}

/**
 * The job id of an account's refresh on a trading day. Every daemon computes the same id, so an `add` from a
 * second daemon finds the job and adds nothing. BullMQ refuses `:` in custom ids (it separates its key parts),
 * so the separator is `@` (account names are [A-Za-z0-9._-]).
 */
export function jobIdFor(account: string, day: string): string {
  return `${account}@${day}`;
}

export function parseJobId(id: string): { account: string; day: string } | null {
  const at = id.lastIndexOf("@");
  if (at <= 0) return null;
  return { account: id.slice(0, at), day: id.slice(at + 1) };
}
