import type { Route } from "./route.js";
import { controlRoutes } from "./routes/control.js";
import { handleDialog } from "./routes/dialog.js";
import { handleInternalRedirect } from "./routes/internal-redirect.js";
import { handleLoginPage } from "./routes/login-page.js";
import { handleLogout } from "./routes/logout.js";
import { handleMarketDataFeedAuthorize } from "./routes/market-data-feed-authorize.js";
import { handleProfile } from "./routes/profile.js";
import { handleGetStaticIp, handlePutStaticIp } from "./routes/static-ip.js";
import { handleTokenExchange } from "./routes/token-exchange.js";
import { handleTokenRequest } from "./routes/token-request.js";

export const DEFAULT_INTERNAL_REDIRECT_PATH = "/login/authorization/redirect";

/**
 * Every fixed path the emulator answers. The internal redirect is also served at the configured URI's path. The
 * login-service paths (R2–R5) are looked up in the state's ServicePaths first, so they can move at run time.
 */
export function routeTable(internalRedirectUri: string): Route[] {
  const internalRedirectPaths = new Set([
    DEFAULT_INTERNAL_REDIRECT_PATH,
    new URL(internalRedirectUri).pathname,
  ]);
  return [
    { method: "GET", path: "/v2/login/authorization/dialog", step: "dialog", handle: handleDialog },
    { method: "GET", path: "/login/v2/oauth/authorize", step: "login-page", handle: handleLoginPage },
    ...[...internalRedirectPaths].map(
      (path): Route => ({ method: "GET", path, step: "internal-redirect", handle: handleInternalRedirect }),
    ),
    { method: "POST", path: "/v2/login/authorization/token", step: "token", handle: handleTokenExchange },
    { method: "GET", path: "/v2/user/profile", step: "profile", handle: handleProfile },
    { method: "DELETE", path: "/v2/logout", step: "logout", handle: handleLogout },
    { method: "GET", path: "/v2/user/ip", step: "static-ip", handle: handleGetStaticIp },
    { method: "PUT", path: "/v2/user/ip", step: "static-ip", handle: handlePutStaticIp },
    {
      method: "GET",
      path: "/v3/feed/market-data-feed/authorize",
      step: null,
      handle: handleMarketDataFeedAuthorize,
    },
    {
      method: "POST",
      path: /^\/v3\/login\/auth\/token\/request\/([^/]+)$/,
      step: "token-request",
      handle: handleTokenRequest,
    },
    ...controlRoutes,
  ];
}
