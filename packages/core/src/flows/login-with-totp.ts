import { z } from "zod";
import { requireCredentials, type UpstoxConfig } from "../config.js";
import { LoginCookieJar } from "../cookie-jar.js";
import type { EndpointProfile, ServiceStep } from "../endpoint-profile.js";
import { isUpstoxTokenError, type PinState, UpstoxApiError } from "../errors.js";
import { newRequestId, serviceHeaders } from "../service-headers.js";
import type { UpstoxToken } from "../token.js";
import { msUntilNextTotpWindow, TOTP_PERIOD_SECONDS, totpNow } from "../totp.js";
import { errorFromBody, errorFromStatus, unexpectedResponse } from "../upstox-errors.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { authorizationUrl } from "./authorization-url.js";
import { exchangeCode } from "./exchange-code.js";
import { type FlowContext, type FlowDeps, flowContext } from "./flow-deps.js";

/** A code with fewer seconds than this left may expire in flight; wait for the next window instead. */
export const TOTP_MIN_SECONDS_LEFT = 3;

const success = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true).optional(), data });

const generateSchema = success(z.object({ validateOTPToken: z.string().min(1) }));
const account = z.object({
  profileId: z.number().int(),
  userId: z.string().min(1),
  isDefault: z.boolean().optional(),
});
const verifySchema = success(
  z.object({ userProfile: account.nullable().optional(), accounts: z.array(account).nullable().optional() }),
);
const twoFaSchema = success(z.object({}).loose());
const authorizeSchema = success(
  z.object({ redirectUri: z.string().min(1), isApproved: z.boolean().optional() }),
);

interface DialogTarget {
  internalClientId: string;
  internalRedirectUri: string;
  userId: string;
}

/**
 * The headless login (spec §2): dialog → OTP generate → TOTP verify → PIN → OAuth approve → token exchange, one
 * cookie jar for R1–R5. The one retry inside: a rejected TOTP is tried once more with the next window's code and
 * the same `validateOtpToken` (a new OTP generate is throttled, 1017069). Nothing else retries: a repeated PIN
 * counts toward Upstox's lock-out, and a code is single-use. Every error thrown carries `pin`, what happened to
 * the PIN, so callers can keep the rule "never send it twice unless Upstox accepted it" without watching HTTP.
 */
export async function loginWithTotp(config: UpstoxConfig, deps: FlowDeps = {}): Promise<UpstoxToken> {
  const pin: { state: PinState } = { state: "not-sent" };
  try {
    return await headlessLogin(config, deps, pin);
  } catch (error) {
    if (isUpstoxTokenError(error)) error.pin = pin.state;
    throw error;
  }
}

async function headlessLogin(
  config: UpstoxConfig,
  deps: FlowDeps,
  pin: { state: PinState },
): Promise<UpstoxToken> {
  const c = requireCredentials(
    config,
    ["username", "pin", "totpSecret", "clientId", "clientSecret", "redirectUri"],
    "the TOTP login",
  );
  const ctx = flowContext(c, deps, new LoginCookieJar());
  const profile = c.endpointProfile;
  const requestId = newRequestId();
  const headers = serviceHeaders({ requestId, appVersion: profile.appVersion, extra: profile.extraHeaders });
  const pause = () => (c.sleepMs > 0 ? ctx.sleep(c.sleepMs) : Promise.resolve());
  const post = (step: ServiceStep, label: string, data: Record<string, unknown>, opts: PostOptions = {}) =>
    servicePost(
      ctx,
      c.serviceBase,
      profile,
      step,
      label,
      { ...data, ...profile.extraBody[step] },
      headers,
      opts,
    );

  ctx.logger.debug(
    { step: "dialog", endpointProfile: profile.name },
    "login: opening the authorization dialog",
  );
  const dialog = await openDialog(ctx, authorizationUrl(c), profile);
  await pause();

  ctx.logger.debug({ step: "otp-generate" }, "login: requesting an OTP session");
  const generated = readUpstoxResponse(
    await post("generateOtp", "otp-generate", { mobileNumber: c.username, userId: dialog.userId }),
    "otp-generate",
    generateSchema,
  );
  await pause();

  let usedWindow: number | undefined;
  let verifyResponse: Awaited<ReturnType<typeof post>> | undefined;
  let verified: VerifyData | undefined;
  for (let attempt = 0; verified === undefined; attempt++) {
    const totp = await freshTotp(ctx, c.totpSecret, usedWindow);
    usedWindow = totp.window;
    ctx.logger.debug(
      { step: "otp-verify", secondsLeft: totp.secondsLeft, attempt: attempt + 1 },
      "login: verifying the TOTP",
    );
    verifyResponse = await post("verifyOtp", "otp-verify", {
      otp: totp.code,
      validateOtpToken: generated.data.validateOTPToken,
    });
    try {
      verified = readUpstoxResponse(verifyResponse, "otp-verify", verifySchema).data;
    } catch (error) {
      if (!isUpstoxTokenError(error) || error.code !== "WRONG_TOTP" || attempt >= c.totpRetries) throw error;
      ctx.logger.warn(
        { step: "otp-verify" },
        "login: Upstox rejected the TOTP; trying once more with the next 30 s code in the same OTP session",
      );
    }
  }
  const user = pickAccount(verified, profile, verifyResponse?.status ?? 200);
  await pause();

  ctx.logger.debug({ step: "2fa" }, "login: submitting the PIN (never retried)");
  const query = { client_id: dialog.internalClientId, redirect_uri: dialog.internalRedirectUri };
  pin.state = "sent";
  try {
    readUpstoxResponse(
      await post(
        "twoFa",
        "2fa",
        {
          twoFAMethod: "SECRET_PIN",
          inputText: Buffer.from(c.pin.reveal(), "utf8").toString("base64"),
          ...(profile.twoFaProfileIdInBody ? { profileId: user.profileId } : {}),
        },
        { query, headers: { "x-profile-id": String(user.profileId), "x-user-id": user.userId } },
      ),
      "2fa",
      twoFaSchema,
    );
  } catch (error) {
    // An answer from the service is a refusal; no answer (timeout, dropped connection) leaves it "sent".
    if (error instanceof UpstoxApiError) pin.state = "refused";
    throw error;
  }
  pin.state = "accepted";
  await pause();

  ctx.logger.debug({ step: "oauth-authorize" }, "login: approving the app");
  const authorizeResponse = await post(
    "authorize",
    "oauth-authorize",
    { userOAuthApproval: true },
    { query: { ...query, requestId, response_type: "code" } },
  );
  const approved = readUpstoxResponse(authorizeResponse, "oauth-authorize", authorizeSchema).data;
  const code = codeFrom(approved.redirectUri);
  if (!code) {
    throw unexpectedResponse(
      { step: "oauth-authorize", httpStatus: authorizeResponse.status },
      "data.redirectUri has no code parameter",
    );
  }
  await pause();

  ctx.logger.debug({ step: "token" }, "login: exchanging the code");
  const { fetch, now, logger, debug, signal, onClockSkew } = deps;
  return exchangeCode(c, code, { fetch, now, logger, debug, signal, onClockSkew, source: "totp" });
}

interface PostOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

async function servicePost(
  ctx: FlowContext,
  serviceBase: string,
  profile: EndpointProfile,
  step: ServiceStep,
  label: string,
  data: Record<string, unknown>,
  headers: Record<string, string>,
  opts: PostOptions,
) {
  const url = new URL(`${serviceBase}${profile.paths[step]}`);
  for (const [key, value] of Object.entries(opts.query ?? {})) url.searchParams.set(key, value);
  return ctx.http.send({
    step: label,
    method: "POST",
    url: url.toString(),
    headers: { ...headers, ...opts.headers },
    body: JSON.stringify({ data }),
  });
}

/** R1 without following the redirect: the Location names the internal client id, redirect and user id. */
async function openDialog(ctx: FlowContext, url: string, profile: EndpointProfile): Promise<DialogTarget> {
  const response = await ctx.http.send({ step: "dialog", method: "GET", url, redirect: "manual" });
  const errorCtx = { step: "dialog", httpStatus: response.status };
  const location = response.headers.get("location");
  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, url);
    const internalClientId = target.searchParams.get("client_id");
    const userId = target.searchParams.get("user_id");
    if (!internalClientId || !userId) {
      throw unexpectedResponse(
        errorCtx,
        "the dialog redirect has no client_id/user_id (Upstox may require a whitelisted IP; try the browser login)",
      );
    }
    return {
      internalClientId,
      userId,
      internalRedirectUri: target.searchParams.get("redirect_uri") ?? profile.internalRedirectUri,
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  throw (
    errorFromBody(body, errorCtx) ??
    errorFromStatus(response.status, errorCtx) ??
    unexpectedResponse(errorCtx, "expected a redirect to the login page")
  );
}

const TOTP_STEP_MS = TOTP_PERIOD_SECONDS * 1000;

/**
 * The current TOTP, or the next one when the current window is about to close or was already used (a rejected
 * code is never sent again: the retry waits for the next window). Waits via deps.sleep/now.
 */
async function freshTotp(ctx: FlowContext, secret: Parameters<typeof totpNow>[0], usedWindow?: number) {
  let totp = totpNow(secret, ctx.now());
  let window = Math.floor(ctx.now() / TOTP_STEP_MS);
  // Two waits at most: one to leave a used window, one more if the new one is already closing.
  for (
    let waits = 0;
    waits < 2 && (totp.secondsLeft < TOTP_MIN_SECONDS_LEFT || window === usedWindow);
    waits++
  ) {
    const waitMs = msUntilNextTotpWindow(ctx.now()) + 50;
    ctx.logger.debug({ waitMs }, "login: waiting for the next TOTP window");
    await ctx.sleep(waitMs);
    totp = totpNow(secret, ctx.now());
    window = Math.floor(ctx.now() / TOTP_STEP_MS);
  }
  return { ...totp, window };
}

type VerifyData = z.output<typeof verifySchema>["data"];

/** v4 answers `userProfile`; v5 answers `accounts[]` (take the default one). The profile says which comes first. */
function pickAccount(data: VerifyData, profile: EndpointProfile, httpStatus: number) {
  const fromAccounts = data.accounts
    ? (data.accounts.find((a) => a.isDefault) ?? data.accounts[0])
    : undefined;
  const picked =
    profile.verifyResponse === "accounts"
      ? (fromAccounts ?? data.userProfile)
      : (data.userProfile ?? fromAccounts);
  if (!picked) throw unexpectedResponse({ step: "otp-verify", httpStatus }, "no userProfile or accounts[]");
  return picked;
}

function codeFrom(redirectUri: string): string | null {
  try {
    return new URL(redirectUri).searchParams.get("code");
  } catch {
    return null;
  }
}
