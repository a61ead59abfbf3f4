import { Secret, totpNow } from "@upstox-token/core";

/**
 * Plays a browser on the emulator's login page: follows the dialog, then makes the same calls the page's
 * script makes (OTP generate, TOTP verify, PIN, OAuth approval) with cookies, and finally opens the
 * redirect URI it is sent to, as a browser navigating there would. Returns that last response.
 */
export async function playBrowserLogin(
  authorizationUrl: string,
  user: { mobile: string; totpSecret: string; pin: string },
): Promise<Response> {
  // The browser now navigates to the app's redirect URI: the CLI's local callback server.
  return fetch(await browserLoginRedirect(authorizationUrl, user));
}

/** The same login, stopping before the last navigation: the redirect URI with `code` (and `state`). */
export async function browserLoginRedirect(
  authorizationUrl: string,
  user: { mobile: string; totpSecret: string; pin: string },
): Promise<string> {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  };

  const dialog = await send(authorizationUrl);
  const location = dialog.headers.get("location");
  if (dialog.status !== 302 || !location)
    throw new Error(`dialog answered ${dialog.status}: ${await dialog.text()}`);
  const page = new URL(location, authorizationUrl);
  const pageResponse = await send(page.href);
  if (pageResponse.status !== 200) throw new Error(`login page answered ${pageResponse.status}`);
  await pageResponse.text();

  const query = page.searchParams;
  const loginQuery = `client_id=${encodeURIComponent(query.get("client_id") ?? "")}&redirect_uri=${encodeURIComponent(query.get("redirect_uri") ?? "")}`;
  const call = async (path: string, data: Record<string, unknown>) => {
    const response = await send(new URL(path, page).href, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-device-details":
          "platform=WEB|osName=Linux|osVersion=browser|appVersion=4.0.0|modelName=browser|manufacturer=unknown",
        "x-request-id": `WPRO-${crypto.randomUUID().slice(0, 10)}`,
      },
      body: JSON.stringify({ data }),
    });
    const body = (await response.json()) as {
      success?: boolean;
      error?: unknown;
      data?: Record<string, unknown>;
    };
    if (!body || body.success === false || body.error) throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data ?? {};
  };

  const otp = await call("/login/open/v6/auth/1fa/otp/generate", {
    mobileNumber: user.mobile,
    userId: query.get("user_id"),
  });
  await call("/login/open/v4/auth/1fa/otp-totp/verify", {
    otp: totpNow(new Secret(user.totpSecret), Date.now()).code,
    validateOtpToken: otp.validateOTPToken,
  });
  await call(`/login/open/v3/auth/2fa?${loginQuery}`, {
    twoFAMethod: "SECRET_PIN",
    inputText: Buffer.from(user.pin).toString("base64"),
  });
  const approval = await call(
    `/login/v2/oauth/authorize?${loginQuery}&requestId=PW3abcdef0123&response_type=code`,
    {
      userOAuthApproval: true,
    },
  );
  if (approval.isApproved !== true || typeof approval.redirectUri !== "string") {
    throw new Error(`not approved: ${JSON.stringify(approval)}`);
  }
  // Upstox first sends the browser through its internal redirect, which answers 302 to the app's redirect URI.
  let target = approval.redirectUri;
  for (let hop = 0; hop < 5 && new URL(target).origin === page.origin; hop++) {
    const response = await send(target);
    const next = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !next) break;
    target = new URL(next, target).href;
  }
  return target;
}
