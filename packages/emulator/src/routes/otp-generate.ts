import { isDeviceAccepted } from "../device-details.js";
import type { EmulatorState } from "../emulator-state.js";
import { sendServiceError, sendServiceSuccess } from "../envelopes.js";
import { SERVICE_ERRORS } from "../error-catalogue.js";
import type { HttpExchange } from "../http-exchange.js";
import { opaqueToken } from "../random-ids.js";
import { serviceRequestData, stringField } from "../service-request.js";
import { DIALOG_COOKIE } from "./dialog.js";

/**
 * R2 `POST /login/open/v6/auth/1fa/otp/generate` (`requireUserId`) and the SPA's older v5, which
 * sends only the mobile number (the dialog is then found through its cookie).
 */
export function otpGenerateHandler(requireUserId: boolean) {
  return (ex: HttpExchange, state: EmulatorState) => {
    const { config } = state;
    const fail = (error: { code: number; message: string }) =>
      sendServiceError(ex, error, config.serviceErrorStatus);
    if (
      config.minAppVersion !== null &&
      !isDeviceAccepted(ex.header("x-device-details"), config.minAppVersion)
    ) {
      return fail(SERVICE_ERRORS.appVersionOutdated);
    }
    const data = serviceRequestData(ex);
    const mobile = stringField(data, "mobileNumber") ?? "";
    const userId = stringField(data, "userId");
    let dialog = userId ? state.dialogs.get(userId) : undefined;
    if (!requireUserId && !userId) {
      const fromCookie = ex.cookies.get(DIALOG_COOKIE);
      dialog = fromCookie
        ? state.dialogs.get(fromCookie)
        : config.requireCookies
          ? undefined
          : state.lastDialog;
    }
    const user = /^[6-9]\d{9}$/.test(mobile) ? state.users.get(mobile) : undefined;
    if (!dialog || !user) return fail(SERVICE_ERRORS.generic);
    ex.account = user.mobile;

    const limit = config.otpRateLimit;
    if (limit && !state.otpRateLimit.allow(user.mobile, state.now(), limit.max, limit.windowMs)) {
      return fail(SERVICE_ERRORS.otpRateLimited);
    }
    const token = opaqueToken(32);
    state.otpSessions.set(token, {
      token,
      dialog,
      user,
      createdAt: state.now(),
      attemptsLeft: config.otpAttempts,
      spent: false,
    });
    sendServiceSuccess(ex, {
      message: `OTP sent to mobile number ending with ${user.mobile.slice(-4)}`,
      validateOTPToken: token,
      nextRequestInterval: 120,
      userType: "CUSTOMER",
      isTotpEnabled: true,
    });
  };
}
