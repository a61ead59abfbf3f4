import { z } from "zod";
import { requireCredentials, type UpstoxConfig } from "../config.js";
import { LoginCookieJar } from "../cookie-jar.js";
import { isUpstoxTokenError, type PinState, UpstoxApiError, unclassifiedLoginError } from "../errors.js";
import type { HttpResponse } from "../http-client.js";
import { newRequestId, serviceHeaders } from "../service-headers.js";
import type { UpstoxToken } from "../token.js";
import { msUntilNextTotpWindow, TOTP_PERIOD_SECONDS, totpNow } from "../totp.js";
import { unexpectedResponse } from "../upstox-errors.js";
import { readUpstoxResponse } from "../upstox-response.js";
import { authorizationUrl } from "./authorization-url.js";
import { endpointMemoryKey } from "./endpoint-memory.js";
import { exchangeCode } from "./exchange-code.js";
import { type FlowContext, type FlowDeps, flowContext } from "./flow-deps.js";
import { openDialog } from "./login-dialog.js";
import { pickAccount, type VerifyData, verifyDataSchema } from "./pick-account.js";
import { STEP_LABELS, StepFallback, type StepVariant } from "./step-fallback.js";

/** A code with fewer seconds than this left may expire in flight; wait for the next window instead. */
export const TOTP_MIN_SECONDS_LEFT = 3;

const success = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true).optional(), data });

const generateSchema = success(z.object({ validateOTPToken: z.string().min(1) }));
const verifySchema = success(verifyDataSchema);
const twoFaSchema = success(
  z.object({ redirectUri: z.string().nullable().optional(), code: z.string().nullable().optional() }).loose(),
);
const authorizeSchema = success(
  z.object({ redirectUri: z.string().min(1), isApproved: z.boolean().optional() }),
);

/**
 * The headless login (spec §2): dialog → OTP generate → TOTP verify → PIN → OAuth approve → token exchange, one
 * cookie jar for R1–R5. Each login-service step falls back to the other known paths while Upstox answers that a
 * path is gone (step-fallback.ts), and what answered is remembered per account. The one retry inside: a rejected
 * TOTP is tried once more with the next window's code and the same `validateOtpToken` (a new OTP generate is
 * throttled, 1017069). Nothing else retries: a repeated PIN counts toward Upstox's lock-out, and a code is
 * single-use. Every error thrown carries `pin`, what happened to the PIN, so callers can keep the rule "never
 * send it twice unless Upstox accepted it" without watching HTTP.
 */
export async function loginWithTotp(config: UpstoxConfig, deps: FlowDeps = {}): Promise<UpstoxToken> {
  let state: PinState = "not-sent";
  const pin: { state: PinState } = {
    get state() {
      return state;
    },
    set state(next: PinState) {
      if (next === state) return;
      state = next;
    },
  };
  try {
    return await headlessLogin(config, deps, pin);
  } catch (error) {
    if (isUpstoxTokenError(error)) {
      error.pin = pin.state;
      throw error;
    }
    // Not classified (a TypeError, a bug): before the PIN it changes nothing; after, it fails closed.
    if (pin.state === "not-sent") throw error;
    throw unclassifiedLoginError(error, pin.state);
  }
}

/** After the answer the record is best effort: the login goes on whatever the listener does. */
async function reportPinStep(deps: FlowDeps, state: Exclude<PinState, "sent">): Promise<void> {
  try {
    await deps.onPinStep?.(state);
  } catch {
    // the listener's fault; the PIN's fate is already decided
  }
}

async function headlessLogin(
  config: UpstoxConfig,
  deps: FlowDeps,
  pin: { state: PinState },
): Promise<UpstoxToken> {
  const c = requireCredentials(
    config,
    ["mobile", "pin", "totpSecret", "clientId", "clientSecret", "redirectUri"],
    "the TOTP login",
  );
  const ctx = flowContext(c, deps, new LoginCookieJar());
  const profile = c.endpointProfile;
  const memory = deps.endpointMemory;
  const memoryKey = endpointMemoryKey(c.mobile, c.ucc);
  const remembered = await memory?.recall(memoryKey).catch(() => undefined);
  const steps = new StepFallback(profile, remembered, ctx.logger);
  const requestId = newRequestId();
  const pause = () => (c.sleepMs > 0 ? ctx.sleep(c.sleepMs) : Promise.resolve());
  // Body fields follow the variant (its step's shape); the device headers stay the configured profile's.
  const post: Post = (variant, data, opts = {}) =>
    servicePost(
      ctx,
      c.serviceBase,
      variant,
      { ...data, ...variant.profile.extraBody[variant.step] },
      {
        ...serviceHeaders({
          requestId,
          appVersion: profile.appVersion,
          extra: { ...variant.profile.extraHeaders, ...profile.extraHeaders },
        }),
        ...opts.headers,
      },
      opts.query,
    );

  try {
    ctx.logger.debug(
      { step: "dialog", endpointProfile: profile.name },
      "login: opening the authorization dialog",
    );
    const dialog = await openDialog(ctx, authorizationUrl(c));
    await pause();

    ctx.logger.debug({ step: "otp-generate" }, "login: requesting an OTP session");
    const generated = readUpstoxResponse(
      (await steps.send("generateOtp", (v) => post(v, { mobileNumber: c.mobile, userId: dialog.userId })))
        .response,
      "otp-generate",
      generateSchema,
    );
    await pause();

    const { verified, status } = await verifyTotp(ctx, c, steps, post, generated.data.validateOTPToken);
    const user = pickAccount(verified, steps.used.verifyOtp?.profile ?? profile, status, c.ucc);
    await pause();

    ctx.logger.debug({ step: "2fa" }, "login: submitting the PIN (never retried)");
    const redirectFor = (v: StepVariant) =>
      v.profile.forceInternalRedirect
        ? v.profile.internalRedirectUri
        : (dialog.internalRedirectUri ?? v.profile.internalRedirectUri);
    let twoFaRedirect = "";
    let twoFa: z.output<typeof twoFaSchema>["data"];
    await deps.onPinStep?.("sent");
    try {
      const { response } = await steps.send(
        "twoFa",
        (v) => {
          twoFaRedirect = redirectFor(v);
          return post(
            v,
            {
              twoFAMethod: "SECRET_PIN",
              inputText: Buffer.from(c.pin.reveal(), "utf8").toString("base64"),
              ...(v.profile.twoFaProfileIdInBody ? { profileId: user.profileId } : {}),
            },
            {
              query: { client_id: dialog.internalClientId, redirect_uri: twoFaRedirect },
              headers: { "x-profile-id": String(user.profileId), "x-user-id": user.userId },
            },
          );
        },
        {
          beforeSend: () => {
            pin.state = "sent";
          },
          // A path that is gone never reached the login service: the PIN was not counted.
          onGone: () => {
            pin.state = "not-sent";
            void reportPinStep(deps, "not-sent");
          },
        },
      );
      twoFa = readUpstoxResponse(response, "2fa", twoFaSchema).data;
    } catch (error) {
      // A service answer is a refusal; no answer (timeout, dropped connection) leaves it "sent". A firewall's
      // challenge page comes from the edge: the login service never saw the PIN.
      if (error instanceof UpstoxApiError) pin.state = "refused";
      else if (isUpstoxTokenError(error) && error.code === "BLOCKED") pin.state = "not-sent";
      if (pin.state !== "sent") await reportPinStep(deps, pin.state);
      throw error;
    }
    pin.state = "accepted";
    await reportPinStep(deps, "accepted");

    // Some 2026 answers already carry the code (spec §15): then the approval call is skipped.
    let code = twoFa.code || (twoFa.redirectUri ? codeFrom(twoFa.redirectUri) : null);
    if (!code) {
      await pause();
      ctx.logger.debug({ step: "oauth-authorize" }, "login: approving the app");
      const { response } = await steps.send("authorize", (v) =>
        post(
          v,
          { userOAuthApproval: true },
          {
            query: {
              client_id: dialog.internalClientId,
              redirect_uri: v.profile.forceInternalRedirect ? v.profile.internalRedirectUri : twoFaRedirect,
              requestId,
              response_type: "code",
            },
          },
        ),
      );
      const approved = readUpstoxResponse(response, "oauth-authorize", authorizeSchema).data;
      code = codeFrom(approved.redirectUri);
      if (!code) {
        throw unexpectedResponse(
          { step: "oauth-authorize", httpStatus: response.status },
          "data.redirectUri has no code parameter",
        );
      }
    } else {
      ctx.logger.debug({ step: "2fa" }, "login: the 2FA answer carries the code; no approval call needed");
    }
    await pause();

    ctx.logger.debug({ step: "token" }, "login: exchanging the code");
    const { fetch, now, logger, debug, signal, onClockSkew } = deps;
    return await exchangeCode(c, code, { fetch, now, logger, debug, signal, onClockSkew, source: "totp" });
  } finally {
    if (memory && steps.changed()) {
      await memory.remember(memoryKey, steps.memory(ctx.now())).catch((error: unknown) => {
        ctx.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          "login: could not save which login-service paths answered; the next login rediscovers them",
        );
      });
    }
  }
}

type Post = (
  variant: StepVariant,
  data: Record<string, unknown>,
  opts?: PostOptions,
) => Promise<HttpResponse>;

/** R3, with the one retry of a rejected TOTP: the next window's code, the same OTP session. */
async function verifyTotp(
  ctx: FlowContext,
  c: UpstoxConfig & { totpSecret: NonNullable<UpstoxConfig["totpSecret"]> },
  steps: StepFallback,
  post: Post,
  validateOtpToken: string,
): Promise<{ verified: VerifyData; status: number }> {
  let usedWindow: number | undefined;
  for (let attempt = 0; ; attempt++) {
    const totp = await freshTotp(ctx, c.totpSecret, usedWindow);
    usedWindow = totp.window;
    ctx.logger.debug(
      { step: "otp-verify", secondsLeft: totp.secondsLeft, attempt: attempt + 1 },
      "login: verifying the TOTP",
    );
    const { response } = await steps.send("verifyOtp", (v) => post(v, { otp: totp.code, validateOtpToken }));
    try {
      return {
        verified: readUpstoxResponse(response, "otp-verify", verifySchema).data,
        status: response.status,
      };
    } catch (error) {
      if (!isUpstoxTokenError(error) || error.code !== "WRONG_TOTP" || attempt >= c.totpRetries) throw error;
      ctx.logger.warn(
        { step: "otp-verify" },
        "login: Upstox rejected the TOTP; trying once more with the next 30 s code in the same OTP session",
      );
    }
  }
}

interface PostOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

async function servicePost(
  ctx: FlowContext,
  serviceBase: string,
  variant: StepVariant,
  data: Record<string, unknown>,
  headers: Record<string, string>,
  query: Record<string, string> = {},
) {
  const url = new URL(`${serviceBase}${variant.path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return ctx.http.send({
    step: STEP_LABELS[variant.step],
    method: "POST",
    url: url.toString(),
    headers,
    body: JSON.stringify({ data }),
  });
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

function codeFrom(redirectUri: string): string | null {
  try {
    return new URL(redirectUri).searchParams.get("code");
  } catch {
    return null;
  }
}
