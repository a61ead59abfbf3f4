import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Who may see the status page and press its button. From this machine: as before (loopback peer, loopback
 * Host). From elsewhere (the phone): only through the bookmarkable secret link `/s/<secret>/`, which
 * `statusServer.secret` turns on; every other path answers 401. The secret is compared in constant time.
 */

/** The header a page's script sends with POST /v1/refresh (a cross-site form cannot set it). */
export const CSRF_HEADER = "x-upstox-token-csrf";

/** A fresh per-process token for the page's button: 32 random bytes, URL-safe. */
export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Equal strings, in time independent of where they differ (both are hashed to the same length first). */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export type RoutedPath =
  /** `path` is the route inside; `viaSecret` when the request came through the secret link. */
  | { kind: "route"; path: string; viaSecret: boolean }
  /** `/s/<secret>` without its slash: the page's relative links need it. */
  | { kind: "redirect"; location: string }
  | { kind: "refused" };

/** Splits `/s/<secret>/rest` into its route, checking the secret; other paths pass through unchanged. */
export function routeRequest(pathname: string, secret: string | undefined): RoutedPath {
  const match = /^\/s\/([^/]*)(\/.*)?$/.exec(pathname);
  if (!match) return { kind: "route", path: pathname, viaSecret: false };
  let given: string;
  try {
    given = decodeURIComponent(match[1] ?? "");
  } catch {
    return { kind: "refused" };
  }
  if (secret === undefined || !constantTimeEqual(given, secret)) {
    return { kind: "refused" };
  }
  if (match[2] === undefined) return { kind: "redirect", location: `${pathname}/` };
  return { kind: "route", path: match[2], viaSecret: true };
}

/**
 * Why a POST from a browser is refused, or null: it must come from this page (same origin, when the browser
 * says), and carry the page's per-process token in the custom header (which a cross-site form or a simple
 * request cannot send).
 */
export function csrfRefusal(req: IncomingMessage, token: string): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ""}`) {
    return "refused: the request comes from another web page (Origin)";
  }
  const site = (req.headers["sec-fetch-site"] as string | undefined)?.toLowerCase();
  if (site !== undefined && site !== "same-origin") {
    return "refused: cross-site browser request (Sec-Fetch-Site)";
  }
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== "string" || !constantTimeEqual(given, token)) {
    return `refused: the ${CSRF_HEADER} header must carry the token of the status page`;
  }
  return null;
}

/** The status URL as it may be logged: the secret never appears, the shape does. */
export function remoteUrlForLog(url: string): string {
  return `${url.replace(/\/$/, "")}/s/<statusServer.secret>/`;
}
