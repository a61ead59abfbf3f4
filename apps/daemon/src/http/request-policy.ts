import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/**
 * Who may use a local server that holds a trading account's key. The rules follow Vault Agent's listener:
 * loopback only by default, no browser pages (DNS rebinding, cross-site requests), remote callers only with a
 * client key. Shared by the proxy and the status server's write endpoint.
 */

/** 127.0.0.0/8, ::1 and the IPv4-mapped forms of 127/8. */
/** The last address answered: a kept-alive program asks from the same one every time. */
let lastAddress: { address: string; loopback: boolean } | undefined;

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (lastAddress?.address === address) return lastAddress.loopback;
  const loopback = isLoopbackText(address);
  lastAddress = { address, loopback };
  return loopback;
}

function isLoopbackText(address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith("127.");
  return plain === "::1" || plain === "0:0:0:0:0:0:0:1";
}

/** The last Host parsed: a program sends the same one every time, and the proxy asks twice per request. */
let lastHost: { host: string; parsed: { name: string; port: number | undefined } | undefined } | undefined;

/**
 * A Host header split into name and port, or undefined when it is not one (RFC 9110 §7.2: uri-host [":" port]).
 * `localhost:80@evil.com`, spaces, a path, userinfo, an empty or non-numeric port are all malformed.
 */
export function parseHost(host: string | undefined): { name: string; port: number | undefined } | undefined {
  if (host === undefined) return undefined;
  if (lastHost?.host === host) return lastHost.parsed;
  const parsed = parseHostText(host);
  lastHost = { host, parsed: parsed && Object.freeze(parsed) };
  return lastHost.parsed;
}

function parseHostText(host: string): { name: string; port: number | undefined } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._~-]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!match) return undefined;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && port > 65535) return undefined;
  const name = (match[1] ?? match[2] ?? "").toLowerCase();
  if (match[1] !== undefined && isIP(name) !== 6) return undefined;
  return { name, port };
}

/** The Host header names this machine's loopback (a name a DNS-rebinding page cannot use). */
export function isLoopbackHost(host: string | undefined): boolean {
  const parsed = parseHost(host);
  if (!parsed) return false;
  return parsed.name === "localhost" || isLoopbackAddress(parsed.name);
}

/** sha256 in lower-case hex: how client keys are written in the config. */
export function hashClientKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** True when the key's hash is one of `hashes`; every comparison takes the same time. */
export function clientKeyMatches(key: string, hashes: readonly string[]): boolean {
  const given = Buffer.from(hashClientKey(key), "hex");
  let match = false;
  for (const hash of hashes) {
    const expected = Buffer.from(hash, "hex");
    if (expected.length === given.length && timingSafeEqual(expected, given)) match = true;
  }
  return match;
}

export interface RequestFacts {
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  /** X-Upstox-Proxy-Key, or the bearer of Authorization when remote keys are in use. */
  clientKey: string | undefined;
}

export interface AccessPolicy {
  allowRemote: boolean;
  clientKeys: readonly string[];
  allowedOrigins: readonly string[];
  /** Injectable for tests that cannot connect from another machine. */
  isLoopback?: (address: string | undefined) => boolean;
}

export type AccessDecision = { ok: true; viaKey: boolean } | { ok: false; status: 401 | 403; error: string };

export function decideAccess(facts: RequestFacts, policy: AccessPolicy): AccessDecision {
  const isLoopback = policy.isLoopback ?? isLoopbackAddress;
  const keyed =
    facts.clientKey !== undefined &&
    policy.clientKeys.length > 0 &&
    clientKeyMatches(facts.clientKey, policy.clientKeys);
  if (!isLoopback(facts.remoteAddress)) {
    if (!policy.allowRemote) {
      return { ok: false, status: 403, error: "only this machine may use this server (allowRemote is off)" };
    }
    if (!keyed)
      return { ok: false, status: 401, error: "a valid client key is required (X-Upstox-Proxy-Key)" };
  }
  // A page that rebinds its own DNS name to 127.0.0.1 still sends its name as Host; a keyed client is exempt
  // (a page cannot know the key).
  if (!keyed && !isLoopbackHost(facts.host)) {
    return { ok: false, status: 403, error: "the Host header must be localhost or a loopback address" };
  }
  const originAllowed = facts.origin !== undefined && policy.allowedOrigins.includes(facts.origin);
  if (facts.origin !== undefined && facts.origin !== "null" && !originAllowed) {
    return { ok: false, status: 403, error: "requests from web pages are refused (origin not allowed)" };
  }
  if (facts.origin === "null") {
    return { ok: false, status: 403, error: "requests from web pages are refused (opaque origin)" };
  }
  const site = facts.secFetchSite?.toLowerCase();
  if ((site === "cross-site" || site === "same-site") && !originAllowed) {
    return { ok: false, status: 403, error: "cross-site browser requests are refused" };
  }
  return { ok: true, viaKey: keyed };
}
