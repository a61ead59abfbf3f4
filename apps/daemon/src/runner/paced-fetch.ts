/**
 * A fetch that spaces requests to each host at least 1/requestsPerSecond apart, across every account of the
 * daemon, so a few hundred logins stay under Upstox's rate limits (REST: 50/s per user per API; the login
 * service's limits are undocumented). Measures real elapsed time: the pace is about the network, not the
 * schedule's clock.
 */
export function pacedFetch(
  inner: typeof fetch,
  options: { requestsPerSecond: number; sleep?: (ms: number) => Promise<void> },
): typeof fetch {
  if (!Number.isFinite(options.requestsPerSecond)) return inner;
  const gapMs = 1000 / options.requestsPerSecond;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const nextSlot = new Map<string, number>();
  const paced = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const host = hostOf(input);
    const now = performance.now();
    const slot = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, slot + gapMs);
    if (slot > now) await sleep(slot - now);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.throwIfAborted();
    return inner(input, init);
  };
  return paced as typeof fetch;
}

export function hostOf(input: RequestInfo | URL): string {
  try {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
    return new URL(url).host;
  } catch {
    return "";
  }
}

export function pathOf(input: RequestInfo | URL): string {
  try {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
    return new URL(url).pathname;
  } catch {
    return "";
  }
}
