import { describe, expect, test } from "bun:test";
import { z } from "zod";
import {
  type ErrorCode,
  errorFromBody,
  errorFromStatus,
  type HttpResponse,
  UnexpectedResponseError,
  UpstoxApiError,
  type UpstoxTokenError,
} from "../src/internal.js";
import { readUpstoxResponse } from "../src/upstox-response.js";

const apiEnvelope = (code: string, message = "msg") => ({
  status: "error",
  errors: [{ errorCode: code, message, error_code: code, propertyPath: null }],
});
const serviceEnvelope = (code: number, message = "msg") => ({
  success: false,
  data: null,
  error: { code, message },
});

function mapped(body: unknown, httpStatus = 200): UpstoxTokenError {
  const error = errorFromBody(body, { step: "test", httpStatus });
  if (!error) throw new Error("expected an error");
  return error;
}

describe("errorFromBody", () => {
  const cases: [string, unknown, ErrorCode, boolean][] = [
    ["wrong PIN", serviceEnvelope(1017106), "WRONG_PIN", false],
    ["locked account", serviceEnvelope(1017090), "ACCOUNT_LOCKED", false],
    [
      "wrong TOTP (by its message)",
      serviceEnvelope(1017018, "Invalid OTP. 4 attempts left"),
      "WRONG_TOTP",
      true,
    ],
    ["expired OTP session", serviceEnvelope(1017076), "OTP_SESSION_EXPIRED", true],
    ["OTP rate limit 1017069", serviceEnvelope(1017069), "RATE_LIMITED", true],
    ["OTP blocked 1017078", serviceEnvelope(1017078), "RATE_LIMITED", true],
    ["OTP blocked 1017125", serviceEnvelope(1017125), "RATE_LIMITED", true],
    ["outdated app version", serviceEnvelope(1017072), "APP_VERSION_OUTDATED", false],
    ["bad client credentials", apiEnvelope("UDAPI100069"), "BAD_CLIENT_CREDENTIALS", false],
    ["invalid credentials", apiEnvelope("UDAPI100016"), "BAD_CLIENT_CREDENTIALS", false],
    ["redirect mismatch", apiEnvelope("UDAPI100068"), "REDIRECT_MISMATCH", false],
    ["inactive app", apiEnvelope("UDAPI100073"), "APP_INACTIVE", false],
    ["invalid auth code", apiEnvelope("UDAPI100057"), "INVALID_AUTH_CODE", false],
    ["segments inactive", apiEnvelope("UDAPI100058"), "SEGMENTS_INACTIVE", false],
    ["invalid token", apiEnvelope("UDAPI100050"), "INVALID_TOKEN", false],
    ["API rate limit", apiEnvelope("UDAPI10005"), "RATE_LIMITED", true],
  ];
  for (const [name, body, code, retryable] of cases) {
    test(`${name} → ${code}`, () => {
      const error = mapped(body);
      expect(error).toBeInstanceOf(UpstoxApiError);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(error.hint?.length).toBeGreaterThan(20);
      expect(error.upstoxCode).toMatch(/^(UDAPI\d+|\d+)$/);
      expect(error.httpStatus).toBe(200);
    });
  }

  test("the wrong-PIN hint warns of the lock-out", () => {
    expect(mapped(serviceEnvelope(1017106)).hint).toMatch(/lock/i);
  });

  test("the 1017072 hint advises no appVersion, names a bot check and the official flows", () => {
    const error = mapped(serviceEnvelope(1017072));
    expect(error.retryable).toBe(false);
    expect(error.hint).not.toMatch(/UPSTOX_APP_VERSION|8\.0\.0|newer appVersion/);
    expect(error.hint).toMatch(/bot check/);
    expect(error.hint).toMatch(/upstox-token login/);
    expect(error.hint).toMatch(/request-token/);
  });

  test("snake_case error_code alone is read; the code is a string", () => {
    const error = mapped({
      status: "error",
      errors: [{ error_code: "UDAPI100057", message: "Invalid Auth code" }],
    });
    expect(error.upstoxCode).toBe("UDAPI100057");
    expect(error.message).toContain("Invalid Auth code");
  });

  test("unknown codes are carried as they are", () => {
    const error = mapped(serviceEnvelope(1099999, "Brand new error"), 200);
    expect(error.code).toBe("UPSTOX_API");
    expect(error.upstoxCode).toBe("1099999");
    expect(error.message).toContain("Brand new error");
  });

  test("a 5xx envelope with an unknown code is retryable", () => {
    expect(mapped(apiEnvelope("UDAPI999"), 503).retryable).toBe(true);
  });

  test("success bodies are not errors", () => {
    expect(
      errorFromBody({ success: true, data: {}, error: null }, { step: "t", httpStatus: 200 }),
    ).toBeNull();
    expect(errorFromBody({ status: "success", data: {} }, { step: "t", httpStatus: 200 })).toBeNull();
    expect(errorFromBody({ access_token: "x" }, { step: "t", httpStatus: 200 })).toBeNull();
  });
});

describe("errorFromStatus", () => {
  test("429 is RATE_LIMITED, 5xx is a retryable UpstoxApiError, 2xx is fine", () => {
    expect(errorFromStatus(429, { step: "t", httpStatus: 429 })?.code).toBe("RATE_LIMITED");
    const e = errorFromStatus(502, { step: "t", httpStatus: 502 });
    expect(e).toBeInstanceOf(UpstoxApiError);
    expect(e?.retryable).toBe(true);
    expect(errorFromStatus(200, { step: "t", httpStatus: 200 })).toBeNull();
  });
});

describe("readUpstoxResponse", () => {
  const res = (status: number, text: string, type = "application/json"): HttpResponse => ({
    status,
    text,
    url: "http://x/",
    headers: new Headers({ "content-type": type }),
  });
  const schema = z.object({ data: z.object({ value: z.string() }) });

  test("HTML is an UnexpectedResponseError (retryable), without the body in the message", () => {
    let error: unknown;
    try {
      readUpstoxResponse(res(200, "<html>secret-ish</html>", "text/html"), "step", schema);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UpstoxTokenError).retryable).toBe(true);
    expect((error as Error).message).not.toContain("secret-ish");
  });

  test("a missing field names the field", () => {
    expect(() => readUpstoxResponse(res(200, `{"data":{}}`), "step", schema)).toThrow(/data\.value/);
  });

  test("an error envelope wins over a 200", () => {
    expect(() =>
      readUpstoxResponse(res(200, JSON.stringify(serviceEnvelope(1017106))), "2fa", schema),
    ).toThrow(/1017106/);
  });
});
