import type { Route } from "./route.js";
import { controlRoutes } from "./routes/control.js";
import { handleDialog } from "./routes/dialog.js";
import { handleInternalRedirect } from "./routes/internal-redirect.js";
import { handleLoginPage } from "./routes/login-page.js";
import { handleLogout } from "./routes/logout.js";
import { handleMarketDataFeedAuthorize } from "./routes/market-data-feed-authorize.js";
import { handleOAuthAuthorize } from "./routes/oauth-authorize.js";
import { otpGenerateHandler } from "./routes/otp-generate.js";
import { otpVerifyHandler } from "./routes/otp-verify.js";
import { handleProfile } from "./routes/profile.js";
import { handleTokenExchange } from "./routes/token-exchange.js";
import { handleTokenRequest } from "./routes/token-request.js";
import { twoFaHandler } from "./routes/two-fa.js";

export const DEFAULT_INTERNAL_REDIRECT_PATH = "/login/authorization/redirect";

/** Every path the emulator answers. The internal redirect is also served at the configured URI's path. */
export function routeTable(internalRedirectUri: string): Route[] {
  const internalRedirectPaths = new Set([
    DEFAULT_INTERNAL_REDIRECT_PATH,
    new URL(internalRedirectUri).pathname,
  ]);
  return [
    { method: "GET", path: "/v2/login/authorization/dialog", step: "dialog", handle: handleDialog },
    { method: "GET", path: "/login/v2/oauth/authorize", step: "login-page", handle: handleLoginPage },
    {
      method: "POST",
      path: "/login/open/v6/auth/1fa/otp/generate",
      step: "otp-generate",
      handle: otpGenerateHandler(true),
    },
    {
      method: "POST",
      path: "/login/open/v5/auth/1fa/otp/generate",
      step: "otp-generate",
      handle: otpGenerateHandler(false),
    },
    {
      method: "POST",
      path: "/login/open/v4/auth/1fa/otp-totp/verify",
      step: "otp-verify",
      handle: otpVerifyHandler("v4"),
    },
    {
      method: "POST",
      path: "/login/open/v5/auth/1fa/otp-totp/verify",
      step: "otp-verify",
      handle: otpVerifyHandler("v5"),
    },
    { method: "POST", path: "/login/open/v3/auth/2fa", step: "2fa", handle: twoFaHandler("v3") },
    { method: "POST", path: "/login/open/v4/auth/2fa", step: "2fa", handle: twoFaHandler("v4") },
    {
      method: "POST",
      path: "/login/v2/oauth/authorize",
      step: "oauth-authorize",
      handle: handleOAuthAuthorize,
    },
    ...[...internalRedirectPaths].map(
      (path): Route => ({ method: "GET", path, step: "internal-redirect", handle: handleInternalRedirect }),
    ),
    { method: "POST", path: "/v2/login/authorization/token", step: "token", handle: handleTokenExchange },
    { method: "GET", path: "/v2/user/profile", step: "profile", handle: handleProfile },
    { method: "DELETE", path: "/v2/logout", step: "logout", handle: handleLogout },
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
