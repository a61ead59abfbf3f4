import type { FleetState } from "../runner/fleet-mode.js";

export type { FleetState };

/**
 * The fleet's state for the status server, whose answers are synchronous: read from Redis every `everyMs` in the
 * background (one getJobCounts, one page of active jobs), so a prober's /healthz never waits on Redis.
 */
export class FleetStatusCache {
  readonly #read: () => Promise<FleetState | null>;
  readonly #everyMs: number;
  #state: FleetState | null = null;
  #readAt: number | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(read: () => Promise<FleetState | null>, everyMs = 2_000) {
    this.#read = read;
    this.#everyMs = everyMs;
  }

  start(): this {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#everyMs);
    this.#timer.unref?.();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async refresh(): Promise<void> {
    try {
      this.#state = await this.#read();
      this.#readAt = Date.now();
    } catch {
      // Redis away for a moment: the last state stays, its age says how old it is.
    }
  }

  get(): (FleetState & { read_at: number | null }) | null {
    return this.#state ? { ...this.#state, read_at: this.#readAt } : null;
  }
}

/** What withFleet needs of a health report (structural: this file imports nothing from the status server). */
interface HealthLike {
  ok: boolean;
  accounts: { valid: boolean; last_refresh_at: string | null; last_error: unknown }[];
}

/**
 * Fleet mode: other daemons refresh most accounts, so this daemon's rows cover the ones it ran; the report is ok
 * while those are valid and no job of the fleet failed or is held.
 */
export function withFleet<R extends HealthLike>(
  report: R,
  fleet: (FleetState & { read_at: number | null }) | null,
): R & { fleet?: FleetState & { read_at: number | null } } {
  if (!fleet) return report;
  const mine = report.accounts.filter((a) => a.last_refresh_at !== null || a.last_error !== null);
  const ok = mine.every((a) => a.valid) && fleet.held.length === 0 && fleet.jobs.failed === 0;
  return { ...report, ok, accounts: mine, fleet };
}

/** Prometheus lines for the fleet: jobs per state, and active jobs per daemon. */
export function fleetMetrics(state: FleetState | null): string {
  if (!state) return "";
  const lines = [
    "# HELP upstox_token_fleet_jobs Jobs of the fleet's queue, by state (all daemons).",
    "# TYPE upstox_token_fleet_jobs gauge",
    ...Object.entries(state.jobs).map(([s, n]) => `upstox_token_fleet_jobs{state="${s}"} ${n}`),
    "# HELP upstox_token_fleet_held Dead cycles the sweeper will not run again (need a person).",
    "# TYPE upstox_token_fleet_held gauge",
    `upstox_token_fleet_held ${state.held.length}`,
    "# HELP upstox_token_fleet_active_by_daemon Jobs in flight per daemon (host:pid).",
    "# TYPE upstox_token_fleet_active_by_daemon gauge",
  ];
  const perHolder = new Map<string, number>();
  for (const a of state.active) perHolder.set(a.holder, (perHolder.get(a.holder) ?? 0) + 1);
  for (const [holder, n] of perHolder)
    lines.push(`upstox_token_fleet_active_by_daemon{daemon="${holder.replace(/["\\\n]/g, "_")}"} ${n}`);
  return `${lines.join("\n")}\n`;
}
