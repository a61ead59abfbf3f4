import { z } from "zod";

/** A JSON value allowed as an extra body field. */
export type ExtraBodyValue = string | number | boolean | null;

/** The four undocumented login-service calls that the headless login makes (spec §3 R2–R5). */
export type ServiceStep = "generateOtp" | "verifyOtp" | "twoFa" | "authorize";

/**
 * Everything about the undocumented login service that changes between Upstox releases, in one object (spec §9):
 * paths, extra body fields and headers per step, the X-Device-Details appVersion, the internal redirect and the
 * shape of the verify response.
 */
export interface EndpointProfile {
  name: string;
  /** Paths below the service base (https://service.upstox.com). */
  paths: Record<ServiceStep, string>;
  /** Fields added to `data` in the request body of each step. */
  extraBody: Record<ServiceStep, Record<string, ExtraBodyValue>>;
  /** Headers added to every login-service request. */
  extraHeaders: Record<string, string>;
  /** 2026-09 variant: the 2FA body carries `profileId` (an integer from the verify response). */
  twoFaProfileIdInBody: boolean;
  /** The `appVersion` in X-Device-Details; Upstox rejects old ones with 1017072. */
  appVersion: string;
  /** Used on R4/R5 when the dialog's Location carries no `redirect_uri` (or always, with forceInternalRedirect). */
  internalRedirectUri: string;
  /** Send `internalRedirectUri` on R4/R5 even when the dialog's Location names another (the May 2026 variant). */
  forceInternalRedirect: boolean;
  /** Where the verify response keeps the profile: `data.userProfile` (v4) or `data.accounts[]` (v5). Both are tried. */
  verifyResponse: "userProfile" | "accounts";
}

export const DEFAULT_INTERNAL_REDIRECT_URI = "https://api-v2.upstox.com/login/authorization/redirect";

const noExtras = (): Record<ServiceStep, Record<string, ExtraBodyValue>> => ({
  generateOtp: {},
  verifyOtp: {},
  twoFa: {},
  authorize: {},
});

/** The best-corroborated set (batpool/upstox-totp v1.0.8, 2025-09; nsvirk/brokersession, 2026-05). */
export const DEFAULT_ENDPOINT_PROFILE: EndpointProfile = {
  name: "default",
  paths: {
    generateOtp: "/login/open/v6/auth/1fa/otp/generate",
    verifyOtp: "/login/open/v4/auth/1fa/otp-totp/verify",
    twoFa: "/login/open/v3/auth/2fa",
    authorize: "/login/v2/oauth/authorize",
  },
  extraBody: noExtras(),
  extraHeaders: {},
  twoFaProfileIdInBody: false,
  appVersion: "4.0.0",
  internalRedirectUri: DEFAULT_INTERNAL_REDIRECT_URI,
  forceInternalRedirect: false,
  verifyResponse: "userProfile",
};

/** The Sept 2026 set (autologin1): countryIsdCode on generate, v5 verify with accounts[], v4 2FA with profileId. */
export const ENDPOINT_PROFILE_2026_09: EndpointProfile = {
  name: "2026-09",
  paths: {
    generateOtp: "/login/open/v6/auth/1fa/otp/generate",
    verifyOtp: "/login/open/v5/auth/1fa/otp-totp/verify",
    twoFa: "/login/open/v4/auth/2fa",
    authorize: "/login/v2/oauth/authorize",
  },
  extraBody: { ...noExtras(), generateOtp: { countryIsdCode: "+91" } },
  extraHeaders: {},
  twoFaProfileIdInBody: true,
  appVersion: "4.0.0",
  internalRedirectUri: DEFAULT_INTERNAL_REDIRECT_URI,
  forceInternalRedirect: false,
  verifyResponse: "accounts",
};

/** Upstox's account host, which the May 2026 variant sends as the internal redirect on R4/R5. */
export const ACCOUNT_INTERNAL_REDIRECT_URI = "https://account.upstox.com/";

/**
 * The May 2026 set (an OpenAlgo-derived adapter, 2026-05-13..19): generate at v4, 2FA at v6 and the approval at
 * /login/open/v6, both with the account host as the internal redirect whatever the dialog's Location says.
 */
export const ENDPOINT_PROFILE_2026_05: EndpointProfile = {
  name: "2026-05",
  paths: {
    generateOtp: "/login/open/v4/auth/1fa/otp/generate",
    verifyOtp: "/login/open/v4/auth/1fa/otp-totp/verify",
    twoFa: "/login/open/v6/auth/2fa",
    authorize: "/login/open/v6/auth/oauth/authorize",
  },
  extraBody: noExtras(),
  extraHeaders: {},
  twoFaProfileIdInBody: false,
  appVersion: "4.0.0",
  internalRedirectUri: ACCOUNT_INTERNAL_REDIRECT_URI,
  forceInternalRedirect: true,
  verifyResponse: "userProfile",
};

/** The built-in profiles, in the order the per-step fallback tries them (spec §9, §15). */
export const ENDPOINT_PROFILES = {
  default: DEFAULT_ENDPOINT_PROFILE,
  "2026-09": ENDPOINT_PROFILE_2026_09,
  "2026-05": ENDPOINT_PROFILE_2026_05,
} as const satisfies Record<string, EndpointProfile>;

export const ENDPOINT_PROFILE_NAMES = Object.keys(ENDPOINT_PROFILES) as EndpointProfileName[];

export function isEndpointProfileName(value: string): value is EndpointProfileName {
  return Object.hasOwn(ENDPOINT_PROFILES, value);
}

export type EndpointProfileName = keyof typeof ENDPOINT_PROFILES;

const servicePath = z.string().regex(/^\/\S*$/, "must be a path starting with /");
const extraBodySchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** A piecewise override of a built-in profile; each given field replaces (paths, extras) or merges into it. */
export const endpointProfileOverrideSchema = z
  .object({
    paths: z
      .object({
        generateOtp: servicePath,
        verifyOtp: servicePath,
        twoFa: servicePath,
        authorize: servicePath,
      })
      .partial()
      .strict(),
    extraBody: z
      .object({
        generateOtp: extraBodySchema,
        verifyOtp: extraBodySchema,
        twoFa: extraBodySchema,
        authorize: extraBodySchema,
      })
      .partial()
      .strict(),
    extraHeaders: z.record(z.string(), z.string()),
    twoFaProfileIdInBody: z.boolean(),
    appVersion: z.string().regex(/^\d+(\.\d+)*$/, "must look like 4.0.0"),
    internalRedirectUri: z.url({ protocol: /^https?$/ }),
    forceInternalRedirect: z.boolean(),
    verifyResponse: z.enum(["userProfile", "accounts"]),
  })
  .partial()
  .strict();

export type EndpointProfileOverride = z.input<typeof endpointProfileOverrideSchema>;

/** A built-in profile with an (already validated) override applied on top. */
export function resolveEndpointProfile(
  base: EndpointProfileName | EndpointProfile,
  override: EndpointProfileOverride = {},
  name?: string,
): EndpointProfile {
  const profile = typeof base === "string" ? ENDPOINT_PROFILES[base] : base;
  const extraBody = { ...profile.extraBody };
  for (const step of Object.keys(extraBody) as ServiceStep[]) {
    const extra = override.extraBody?.[step];
    if (extra) extraBody[step] = { ...extraBody[step], ...extra };
  }
  return {
    name:
      name ??
      (override === undefined || Object.keys(override).length === 0
        ? profile.name
        : `${profile.name}+custom`),
    paths: { ...profile.paths, ...override.paths },
    extraBody,
    extraHeaders: { ...profile.extraHeaders, ...override.extraHeaders },
    twoFaProfileIdInBody: override.twoFaProfileIdInBody ?? profile.twoFaProfileIdInBody,
    appVersion: override.appVersion ?? profile.appVersion,
    internalRedirectUri: override.internalRedirectUri ?? profile.internalRedirectUri,
    forceInternalRedirect: override.forceInternalRedirect ?? profile.forceInternalRedirect,
    verifyResponse: override.verifyResponse ?? profile.verifyResponse,
  };
}
