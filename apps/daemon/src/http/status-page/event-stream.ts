import type { ServerResponse } from "node:http";

/** Open page connections; beyond this a new one gets 503 and the page polls instead. */
const MAX_CLIENTS = 32;
const HEARTBEAT_MS = 15_000;
/** A burst of events (many accounts refreshing) becomes one push. */
const COALESCE_MS = 100;

/** Server-sent events for the status page: the whole accounts report after every change. */
export class ReportStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #report: () => unknown;
  #pending: ReturnType<typeof setTimeout> | undefined;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(report: () => unknown) {
    this.#report = report;
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(": keep-alive\n\n");
    }, HEARTBEAT_MS);
    this.#heartbeat.unref?.();
  }

  /** Takes over the response; false when full (the caller answers 503). */
  attach(res: ServerResponse, headers: Record<string, string>): boolean {
    if (this.#clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    res.write(`retry: 3000\ndata: ${JSON.stringify(this.#report())}\n\n`);
    this.#clients.add(res);
    res.once("close", () => this.#clients.delete(res));
    return true;
  }

  changed(): void {
    if (this.#pending || this.#clients.size === 0) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      const frame = `data: ${JSON.stringify(this.#report())}\n\n`;
      for (const res of this.#clients) res.write(frame);
    }, COALESCE_MS);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#pending);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
