import { DEMO_USER } from "@upstox-token/emulator";
import { LoginCookieJar, serviceHeaders } from "../src/internal.js";
import { authenticator } from "./authenticator.js";

export interface BrowserRun {
  /** The final answer of the local callback (the page the user sees). */
  callback: Response;
  callbackUrl: string;
}

/**
 * Plays a user's browser through the real login: the dialog, the login page, the service calls the page's
 * JavaScript makes (OTP, TOTP, PIN, approval) and the redirects down to the app's local callback.
 */
export async function playBrowser(
  authUrl: string,
  opts: {
    tamper?: (callbackUrl: URL) => void;
    user?: { mobile: string; totpSecret: string; pin: string };
  } = {},
): Promise<BrowserRun> {
  const user = opts.user ?? DEMO_USER;
  const jar = new LoginCookieJar();
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const cookie = await jar.header(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    await jar.store(url, response.headers);
    return response;
  };
  const json = async (response: Response) => {
    const body = (await response.json()) as {
      success: boolean;
      data: Record<string, unknown>;
      error: unknown;
    };
    if (!body.success) throw new Error(`login page call failed: ${JSON.stringify(body.error)}`);
    return body.data;
  };

  const dialog = await go(authUrl);
  if (dialog.status !== 302) throw new Error(`dialog answered ${dialog.status}`);
  const loginPage = new URL(dialog.headers.get("location") ?? "", authUrl);
  const page = await go(loginPage.toString());
  if (page.status !== 200 || !(await page.text()).includes("<")) throw new Error("no login page");

  const service = loginPage.origin;
  const headers = serviceHeaders({ requestId: "WPRO-browser123", appVersion: "4.0.0" });
  const post = (path: string, data: unknown) =>
    go(`${service}${path}`, { method: "POST", headers, body: JSON.stringify({ data }) });
  const clientId = loginPage.searchParams.get("client_id") ?? "";
  const internalRedirect = loginPage.searchParams.get("redirect_uri") ?? "";
  const q = `client_id=${encodeURIComponent(clientId)}&redirect_uri=${encodeURIComponent(internalRedirect)}`;

  const otp = await json(
    await post("/login/open/v6/auth/1fa/otp/generate", {
      mobileNumber: user.mobile,
      userId: loginPage.searchParams.get("user_id"),
    }),
  );
  await json(
    await post("/login/open/v4/auth/1fa/otp-totp/verify", {
      otp: authenticator(user.totpSecret),
      validateOtpToken: otp.validateOTPToken,
    }),
  );
  await json(
    await post(`/login/open/v3/auth/2fa?${q}`, {
      twoFAMethod: "SECRET_PIN",
      inputText: Buffer.from(user.pin).toString("base64"),
    }),
  );
  const approved = await json(
    await post(`/login/v2/oauth/authorize?${q}&requestId=PW3abcdef1234&response_type=code`, {
      userOAuthApproval: true,
    }),
  );

  const internal = await go(String(approved.redirectUri));
  if (internal.status !== 302) throw new Error(`internal redirect answered ${internal.status}`);
  const callbackUrl = new URL(internal.headers.get("location") ?? "");
  opts.tamper?.(callbackUrl);
  const callback = await fetch(callbackUrl, { redirect: "manual" });
  return { callback, callbackUrl: callbackUrl.toString() };
}
