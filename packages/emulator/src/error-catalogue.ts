/** Public API (§5.1) errors: code, message and the HTTP status the emulator answers with. */
export const API_ERRORS = {
  UDAPI100068: {
    status: 400,
    message: "Check your 'client_id' and 'redirect_uri'; one or both are incorrect.",
  },
  UDAPI100073: { status: 400, message: "Your 'client_id' is inactive." },
  UDAPI100036: { status: 400, message: "Invalid Input" },
  UDAPI100069: {
    status: 401,
    message: "Check your 'client_id' and 'client_secret'; one or both are incorrect.",
  },
  UDAPI100057: { status: 400, message: "Invalid Auth code" },
  UDAPI100058: {
    status: 400,
    message:
      "No segments for these users are active. Manual reactivation is recommended from Upstox app/web.",
  },
  UDAPI100050: { status: 401, message: "Invalid token used to access API" },
  UDAPI1155: { status: 400, message: "Notifier URL is not configured for this app." },
  UDAPI10000: { status: 404, message: "This request is not supported by Upstox API" },
  UDAPI100500: { status: 500, message: "Something went wrong... please contact us" },
  UDAPI1179: {
    status: 400,
    message: "Static IP can be updated only once in a calendar week.",
  },
  /**
   * Emulator's choice: Upstox's code for the Algo-ID review hold is unknown (protocol notes §15.1); the wording
   * follows Upstox's appendix ("once approved, you will be able to generate an access token").
   */
  "UDAPI-EMULATOR-ALGO-REVIEW": {
    status: 403,
    message: "Your Algo ID is In Review. Once approved, you will be able to generate an access token.",
  },
} as const;

export const ALGO_REVIEW_CODE = "UDAPI-EMULATOR-ALGO-REVIEW";

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Login-service (§5.2) errors. Integers, as the service sends them. */
export const SERVICE_ERRORS = {
  generic: { code: 1017016, message: "Something went wrong" },
  otpRateLimited: {
    code: 1017069,
    message: "You have exceeded the OTP request limit. Please try after 10 minutes.",
  },
  appVersionOutdated: { code: 1017072, message: "Your app version is outdated. Please update to continue." },
  otpSessionExpired: {
    code: 1017076,
    message: "Your session to validate otp has expired, please try again.",
  },
  /** Emulator's choice: the real code for a wrong TOTP is unknown; the message wording is what clients key on. */
  invalidOtp: { code: 1017016, message: "Invalid OTP" },
  /** Emulator's choice of the SPA's "session invalid, restart login" codes for a missing login cookie. */
  loginSessionInvalid: { code: 1017105, message: "Your session has expired. Please login again." },
  incorrectPin: { code: 1017106, message: "You have entered an incorrect PIN" },
  accountLocked: {
    code: 1017090,
    message: "Due to too many incorrect PIN attempts, your account has been locked. Please reset your PIN.",
  },
  webSessionExpired: { code: 4000001, message: "Access token expired" },
} as const;

export interface ServiceError {
  code: number;
  message: string;
}
