import type { Emulator } from "@upstox-token/emulator";

/** Upstox's answer to too many OTP requests (code 1017069), injected on the emulator's OTP-generate step. */
export function injectOtpRateLimit(emulator: Emulator, extra: { count?: number } = {}): void {
  emulator.inject({
    path: "/login/open/v6/auth/1fa/otp/generate",
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      success: false,
      data: null,
      error: {
        code: 1017069,
        message: "You have exceeded the OTP request limit. Please try after 10 minutes.",
      },
    }),
    ...extra,
  });
}
