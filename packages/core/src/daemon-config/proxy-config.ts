import { z } from "zod";

/**
 * The `proxy` and `watchdog` blocks of the daemon's config. The proxy is a key to a trading account, so every
 * default is the safe one: loopback only, no browser origins, bounded bodies and upstream waits.
 */

const listenAddress = z
  .string()
  .refine(
    (v) =>
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v) &&
      Number(v.slice(v.lastIndexOf(":") + 1)) <= 65_535,
    'must be "host:port", e.g. "127.0.0.1:8978" (IPv6: "[::1]:8978")',
  );

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be the sha256 of the key in lower-case hex (echo -n KEY | sha256sum)");

const upstreamBase = z
  .string()
  .refine(
    (v) => /^https?:\/\/[^/\s]+$/i.test(v.replace(/\/+$/, "")) && URL.canParse(v),
    'must be an http(s) origin such as "https://api-hft.upstox.com"',
  );

export const proxySchema = z
  .strictObject({
    listen: listenAddress
      .default("127.0.0.1:8978")
      .describe('Where programs call the proxy. Default "127.0.0.1:8978" (this machine only).'),
    defaultAccount: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Account used when a request has no X-Upstox-Account header. Default: the only account, if there is one.",
      ),
    upstreams: z
      .record(z.string(), upstreamBase)
      .superRefine((map, ctx) => {
        for (const prefix of Object.keys(map)) {
          if (!prefix.startsWith("/")) {
            ctx.addIssue({
              code: "custom",
              path: [prefix],
              message: `must be a path prefix starting with "/", e.g. "/${prefix}"`,
            });
          }
        }
      })
      .default({})
      .describe(
        'Path prefix → Upstox host for APIs not on the account\'s apiBase, e.g. { "/v3/order/": "https://api-hft.upstox.com" }. The longest matching prefix wins.',
      ),
    allowRemote: z
      .boolean()
      .default(false)
      .describe(
        "Accept requests from other machines. Needs clientKeys; listen must then be a non-loopback address.",
      ),
    clientKeys: z
      .array(sha256Hex)
      .default([])
      .describe(
        "sha256 (hex) of the keys remote clients send as X-Upstox-Proxy-Key or Authorization: Bearer <key>. Required with allowRemote.",
      ),
    allowedOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as "http://localhost:3000"'))
      .default([])
      .describe("Browser origins allowed to call the proxy. Default none: a web page cannot place orders."),
    maxBodyBytes: z
      .number()
      .int()
      .min(1_024)
      .max(64 * 1024 * 1024)
      .default(1_048_576)
      .describe("Largest request body accepted, bytes. Default 1 MiB."),
    upstreamTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .describe(
        "How long to wait for Upstox's answer (headers, then each pause in the body). Default 30000.",
      ),
  })
  .superRefine((proxy, ctx) => {
    if (proxy.allowRemote && proxy.clientKeys.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["clientKeys"],
        message:
          "allowRemote needs at least one client key: add the sha256 hex of a long random key (openssl rand -hex 32 | tee key | tr -d '\\n' | sha256sum)",
      });
    }
  })
  .describe("Optional local Upstox API proxy that adds the account's current token to every request.");

export const watchdogSchema = z
  .strictObject({
    cooldownMs: z
      .number()
      .int()
      .min(10_000)
      .default(300_000)
      .describe(
        "At most one re-login per account in this time after Upstox refused its token (401). Default 300000 (5 min).",
      ),
  })
  .describe(
    "When Upstox refuses the daemon's token (via the proxy, or POST /v1/token/invalid), check it and log in again at once.",
  );

export type ProxyConfig = z.output<typeof proxySchema>;
export type WatchdogConfig = z.output<typeof watchdogSchema>;
export const DEFAULT_WATCHDOG: WatchdogConfig = { cooldownMs: 300_000 };
