import type { Route } from "./route.js";
import { handleOAuthAuthorize } from "./routes/oauth-authorize.js";
import { otpGenerateHandler } from "./routes/otp-generate.js";
import { otpVerifyHandler } from "./routes/otp-verify.js";
import { twoFaHandler } from "./routes/two-fa.js";

/**
 * Every login-service path Upstox is known to have served (spec §9, §15), with the behaviour of that version.
 * These are the canonical names: `servePathAs(path, canonical)` serves a new path with one of them.
 */
export const KNOWN_SERVICE_ROUTES: Record<string, Omit<Route, "path" | "method">> = {
  "/login/open/v6/auth/1fa/otp/generate": { step: "otp-generate", handle: otpGenerateHandler(true) },
  "/login/open/v5/auth/1fa/otp/generate": { step: "otp-generate", handle: otpGenerateHandler(false) },
  "/login/open/v4/auth/1fa/otp/generate": { step: "otp-generate", handle: otpGenerateHandler(true) },
  "/login/open/v4/auth/1fa/otp-totp/verify": { step: "otp-verify", handle: otpVerifyHandler("v4") },
  "/login/open/v5/auth/1fa/otp-totp/verify": { step: "otp-verify", handle: otpVerifyHandler("v5") },
  "/login/open/v3/auth/2fa": { step: "2fa", handle: twoFaHandler("v3") },
  "/login/open/v4/auth/2fa": { step: "2fa", handle: twoFaHandler("v4") },
  "/login/open/v6/auth/2fa": { step: "2fa", handle: twoFaHandler("v6") },
  "/login/v2/oauth/authorize": { step: "oauth-authorize", handle: handleOAuthAuthorize("v2") },
  "/login/open/v6/auth/oauth/authorize": { step: "oauth-authorize", handle: handleOAuthAuthorize("v6") },
};

/** How a retired path answers: an HTML 404 page (default), a JSON 404 without a service envelope, or a 405. */
export type RetiredStyle = "html-404" | "json-404" | "405";

/**
 * Which path serves which known behaviour, changeable at run time: retire a path, serve a behaviour at a path no
 * client knows yet. Served paths win over retired ones.
 */
export class ServicePaths {
  #served = new Map<string, string>();
  #retired = new Map<string, RetiredStyle>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.#served = new Map(Object.keys(KNOWN_SERVICE_ROUTES).map((path) => [path, path]));
    this.#retired.clear();
  }

  /** The path stops answering (as `style`). */
  retire(path: string, style: RetiredStyle = "html-404"): void {
    this.#served.delete(path);
    this.#retired.set(path, style);
  }

  /** `path` answers as the known path `canonical` does (its step, body rules and response shape). */
  serveAs(path: string, canonical: string): void {
    if (!KNOWN_SERVICE_ROUTES[canonical]) {
      throw new TypeError(
        `unknown service path ${canonical}; known: ${Object.keys(KNOWN_SERVICE_ROUTES).join(", ")}`,
      );
    }
    if (!/^\/\S+$/.test(path)) throw new TypeError("a service path starts with /");
    this.#retired.delete(path);
    this.#served.set(path, canonical);
  }

  /** Replace the whole table: `{ servedPath: canonicalPath }`; every other known path is retired. */
  set(table: Record<string, string>, style: RetiredStyle = "html-404"): void {
    for (const canonical of Object.values(table)) {
      if (!KNOWN_SERVICE_ROUTES[canonical]) throw new TypeError(`unknown service path ${canonical}`);
    }
    this.#served = new Map(Object.entries(table));
    this.#retired = new Map(
      Object.keys(KNOWN_SERVICE_ROUTES)
        .filter((p) => !this.#served.has(p))
        .map((p) => [p, style]),
    );
  }

  /** The route serving `path` (POST only), or the retired style, or undefined when the path was never known. */
  lookup(path: string): { route: Route } | { retired: RetiredStyle; step: Route["step"] } | undefined {
    const canonical = this.#served.get(path);
    const known = canonical ? KNOWN_SERVICE_ROUTES[canonical] : undefined;
    if (known) return { route: { method: "POST", path, ...known } };
    const retired = this.#retired.get(path);
    if (retired) return { retired, step: KNOWN_SERVICE_ROUTES[path]?.step ?? null };
    return undefined;
  }

  /** `{ servedPath: canonicalPath }`, for the control endpoint. */
  table(): Record<string, string> {
    return Object.fromEntries(this.#served);
  }
}
