import type { AccountStatus } from "./account-status.js";
import type { DaemonEvents } from "./event-bus.js";

/**
 * Prometheus text exposition format 0.0.4, written by hand: five series do not earn a client library.
 * Counters come from the runner's events; gauges are computed from `status()` at scrape time, so they are
 * never stale and cost nothing between scrapes.
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface Metrics {
  /** The whole exposition, ready to serve at /metrics. */
  render(): string;
}

type Labels = Record<string, string>;

/** Label values escape backslash, double quote and newline (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Rendered label sets of label objects a caller reuses (the proxy's per-request series). */
const rendered = new WeakMap<Labels, string>();

function labelSet(labels: Labels): string {
  const known = rendered.get(labels);
  if (known !== undefined) return known;
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  const text = parts.length === 0 ? "" : `{${parts.join(",")}}`;
  rendered.set(labels, text);
  return text;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** A counter family keyed by its label set; insertion order is kept so output is stable. */
export class CounterFamily {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels, by = 1): void {
    const key = labelSet(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  /** Makes a series exist at 0, so `rate()` and `increase()` see the first login. */
  touch(labels: Labels): void {
    const key = labelSet(labels);
    if (!this.#values.has(key)) this.#values.set(key, { labels, value: 0 });
  }

  samples(): { labels: Labels; value: number }[] {
    return [...this.#values.values()];
  }
}

export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: { labels: Labels; value: number }[];
}

export function renderFamily(family: Family): string {
  const help = family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  const lines = [`# HELP ${family.name} ${help}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    lines.push(`${family.name}${labelSet(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}

/** A histogram family (cumulative `le` buckets, `_sum`, `_count`) keyed by its label set. */
export class HistogramFamily {
  readonly #bounds: number[];
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(bounds: number[]) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const key = labelSet(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: this.#bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.#bounds.length; i++)
      if (value <= (this.#bounds[i] as number)) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const s of this.#series.values()) {
      this.#bounds.forEach((bound, i) => {
        lines.push(`${name}_bucket${labelSet({ ...s.labels, le: formatValue(bound) })} ${s.counts[i]}`);
      });
      lines.push(`${name}_bucket${labelSet({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${name}_sum${labelSet(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${name}_count${labelSet(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/**
 * Counts logins, login failures and sink failures from the daemon's events, and reads expiry and last
 * success from `status()` when rendered. Never sees a token: events carry records, but only the account
 * name and error codes are used.
 */
export function createMetrics(
  events: DaemonEvents,
  status: () => AccountStatus[],
  now: () => number = Date.now,
): Metrics {
  const logins = new CounterFamily();
  const loginFailures = new CounterFamily();
  const sinkFailures = new CounterFamily();

  events.on((event) => {
    switch (event.type) {
      case "stored":
        // A success that only re-read a token another instance stored is not a login.
        if (event.loggedIn) logins.inc({ account: event.account });
        else logins.touch({ account: event.account });
        break;
      // Every failed attempt: one retried, and the one that ended the cycle.
      case "retrying":
      case "failed":
      case "rate-limited":
        loginFailures.inc({ account: event.account, code: event.error.code });
        break;
      case "sink-failed":
        sinkFailures.inc({ sink: event.sink });
        break;
      default:
        break;
    }
  });

  return {
    render(): string {
      const accounts = status();
      const at = now();
      for (const account of accounts) logins.touch({ account: account.account });
      const families: Family[] = [
        {
          name: "upstox_token_logins_total",
          help: "Successful Upstox logins (a new token obtained), per account.",
          type: "counter",
          samples: logins.samples(),
        },
        {
          name: "upstox_token_login_failures_total",
          help: "Failed login attempts, per account and error code.",
          type: "counter",
          samples: loginFailures.samples(),
        },
        {
          name: "upstox_token_sink_failures_total",
          help: "Failed sink writes, per sink.",
          type: "counter",
          samples: sinkFailures.samples(),
        },
        {
          name: "upstox_token_seconds_until_expiry",
          help: "Seconds until the account's current token expires (0 when expired); absent when no token is known.",
          type: "gauge",
          samples: accounts
            .filter((a) => a.expiresAt !== null)
            .map((a) => ({
              labels: { account: a.account },
              value: Math.max(0, Math.floor(((a.expiresAt as number) - at) / 1000)),
            })),
        },
        {
          name: "upstox_token_sink_lagging",
          help: "1 while the sink does not hold the account's newest token (the daemon retries it), else 0.",
          type: "gauge",
          samples: accounts.flatMap((a) =>
            (a.sinks ?? []).map((sink) => ({
              labels: { account: a.account, sink },
              value: a.laggingSinks?.some((l) => l.sink === sink) ? 1 : 0,
            })),
          ),
        },
        {
          name: "upstox_token_last_success_timestamp_seconds",
          help: "Unix time of the account's last successful refresh; absent before the first one.",
          type: "gauge",
          samples: accounts
            .filter((a) => a.lastRefreshAt !== null)
            .map((a) => ({ labels: { account: a.account }, value: (a.lastRefreshAt as number) / 1000 })),
        },
      ];
      return `${families.map(renderFamily).join("\n")}\n`;
    },
  };
}
