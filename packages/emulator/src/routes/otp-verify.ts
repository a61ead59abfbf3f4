import { splitName } from "../account-profile.js";
import type { EmulatorState, IdentitySession } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { opaqueToken } from "../random-ids.js";
import { serviceRequestData, stringField } from "../service-request.js";
import { isTotpValid } from "../totp-check.js";

export const IDENTITY_COOKIE = "auth_identity_token";
export const LOGIN_SESSION_TTL_MS = 15 * 60_000;

/** R3 `POST /login/open/v{4,5}/auth/1fa/otp-totp/verify`: v4 answers `userProfile`, v5 `accounts[]`. */
export function otpVerifyHandler(shape: "v4" | "v5") {
  return (ex: HttpExchange, state: EmulatorState) => {
    const { config } = state;
    const fail = (error: { code: number; message: string }) =>
      sendServiceError(ex, error, config.serviceErrorStatus);
    const data = serviceRequestData(ex);
    // R2 answers `validateOTPToken`; R3 expects `validateOtpToken`. The other spelling is not accepted.
    const token = stringField(data, "validateOtpToken");
    const session = token ? state.otpSessions.get(token) : undefined;
    if (!session) return fail(SERVICE_ERRORS.generic);
    ex.account = session.user.mobile;
    const now = state.now();
    if (session.spent || now - session.createdAt >= config.otpSessionTtlMs) {
      return fail(SERVICE_ERRORS.otpSessionExpired);
    }
    const forcedRejection = state.totpRejections > 0;
    if (forcedRejection) state.totpRejections -= 1;
    if (
      forcedRejection ||
      !isTotpValid(session.user.totpSecret, stringField(data, "otp") ?? "", now, config.totpWindow)
    ) {
      session.attemptsLeft -= 1;
      if (session.attemptsLeft <= 0) session.spent = true;
      return fail({
        code: SERVICE_ERRORS.invalidOtp.code,
        message: `${SERVICE_ERRORS.invalidOtp.message}. ${session.attemptsLeft} attempts left`,
      });
    }
    session.spent = true;
    const identity: IdentitySession = { dialog: session.dialog, user: session.user, createdAt: now };
    const id = opaqueToken(32);
    state.identitySessions.set(id, identity);
    state.lastIdentitySession = identity;
    ex.setCookie(IDENTITY_COOKIE, id, { maxAgeSeconds: LOGIN_SESSION_TTL_MS / 1000 });
    ex.setCookie(`${IDENTITY_COOKIE}_expiry`, String(now + LOGIN_SESSION_TTL_MS), {
      maxAgeSeconds: LOGIN_SESSION_TTL_MS / 1000,
      httpOnly: false,
    });

    const { user } = session;
    const account = {
      profileId: user.profileId,
      userId: user.userId,
      ...splitName(user.name),
      avatarUrl: null,
    };
    const common = { message: "Your OTP has been successfully verified.", userType: "CUSTOMER" };
    sendServiceSuccess(
      ex,
      shape === "v4"
        ? { ...common, userProfile: account, isSecretPinSet: true }
        : {
            ...common,
            accounts: [
              { ...account, isDefault: true },
              ...user.linkedAccounts.map((a) => ({ ...account, ...a, isDefault: false })),
            ],
            isSecretPinSet: true,
          },
    );
  };
}
