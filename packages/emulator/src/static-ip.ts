import type { EmulatorState } from "./emulator-state.js";
import type { EmulatorUser } from "./types.js";

const DAY_MS = 86_400_000;
const IST_OFFSET_MS = 5.5 * 3_600_000;

/** The Monday 00:00 IST that starts the calendar week of `at` (epoch ms). */
function weekStart(at: number): number {
  const ist = at + IST_OFFSET_MS;
  const day = Math.floor(ist / DAY_MS);
  // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
  return (day - ((day + 3) % 7)) * DAY_MS - IST_OFFSET_MS;
}

/**
 * `PUT /v2/user/ip` for a user (protocol notes §15.1): one update per calendar week; a successful one
 * invalidates the user's live access tokens. Returns false when this week's update was already made.
 */
export function updateStaticIp(state: EmulatorState, user: EmulatorUser, ips: string[]): boolean {
  const now = state.now();
  const last = state.staticIpUpdates.get(user.mobile);
  if (last && weekStart(last.at) === weekStart(now)) return false;
  state.staticIpUpdates.set(user.mobile, { at: now, ips });
  for (const token of state.tokens.values()) {
    if (token.user === user && token.kind === "access") token.revoked = true;
  }
  return true;
}
