/**
 * The proxy's own code without the daemon around it, for bench/proxy.ts: `startProxyServer` (policy, account,
 * headers, scrubbing, metrics, the once-only mutation path) with a fixed token, on the server kind asked for.
 * Set beside the daemon's proxy and the two bare floors, it splits the proxy's added latency into the server it
 * runs on, its own code, and the daemon process around it. Not a product.
 *
 *   bun bench/proxy-core-server.ts <listen port> <upstream origin> <token> <node|bun>
 */
import { proxySchema } from "@upstox-token/core/daemon-config";
import { ProxyMetrics } from "../apps/daemon/src/http/proxy/proxy-metrics.js";
import { type ProxyServerKind, startProxyServer } from "../apps/daemon/src/http/proxy/proxy-server.js";

const [port, upstream = "", token = "", kind = "node"] = process.argv.slice(2);
const noop = () => {};
await startProxyServer({
  config: proxySchema.parse({ listen: `127.0.0.1:${port}` }),
  accounts: () => [{ name: "main", apiBase: upstream }],
  authority: {
    current: async () => ({ token, generation: 1, expiresAt: Date.now() + 3_600_000 }),
    refreshNow: async () => ({ ok: false, code: "BENCH", message: "the bench does not log in" }),
  },
  logger: { debug: noop, info: noop, warn: noop, error: noop },
  metrics: new ProxyMetrics(),
  server: kind as ProxyServerKind,
});
