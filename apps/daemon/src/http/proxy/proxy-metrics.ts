import { CounterFamily, HistogramFamily, renderFamily } from "../../observe/metrics.js";

/** The proxy's Prometheus series: requests, Upstox's latency as seen through it, and watchdog re-logins. */
export class ProxyMetrics {
  readonly #requests = new CounterFamily();
  readonly #latency = new HistogramFamily([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly #refreshes = new CounterFamily();

  /** One frozen label object per series, so its label set is rendered once (metrics.ts), not per request. */
  readonly #labels = new Map<string, Readonly<Record<string, string>>>();

  #series(key: string, make: () => Record<string, string>): Record<string, string> {
    let labels = this.#labels.get(key);
    if (!labels) {
      labels = Object.freeze(make());
      this.#labels.set(key, labels);
    }
    return labels as Record<string, string>;
  }

  request(account: string, method: string, status: number): void {
    const labels = this.#series(`r\0${account}\0${method}\0${status}`, () => ({
      account,
      method,
      status: String(status),
    }));
    this.#requests.inc(labels);
  }

  upstreamLatency(account: string, seconds: number): void {
    this.#latency.observe(
      this.#series(`l\0${account}`, () => ({ account })),
      seconds,
    );
  }

  watchdogRefresh(account: string, outcome: "renewed" | "failed"): void {
    this.#refreshes.inc({ account, outcome });
  }

  render(): string {
    return `${[
      renderFamily({
        name: "upstox_token_proxy_requests_total",
        help: "Requests answered by the local API proxy, per account, method and status.",
        type: "counter",
        samples: this.#requests.samples(),
      }),
      this.#latency.render(
        "upstox_token_proxy_upstream_seconds",
        "Time from sending a proxied request to Upstox until its answer's headers arrived.",
      ),
      renderFamily({
        name: "upstox_token_watchdog_refreshes_total",
        help: "Re-logins after Upstox refused the daemon's token (401), per account and outcome.",
        type: "counter",
        samples: this.#refreshes.samples(),
      }),
    ].join("\n")}\n`;
  }
}
