import { API_ERRORS, type ApiErrorCode, type ServiceError } from "./error-catalogue.js";
import type { HttpExchange } from "./http-exchange.js";

/** The §5.1 public-API error envelope, with both the deprecated camelCase and the snake_case fields. */
export function apiErrorEnvelope(code: string, message: string): unknown {
  return {
    status: "error",
    errors: [
      {
        errorCode: code,
        message,
        propertyPath: null,
        invalidValue: null,
        error_code: code,
        property_path: null,
        invalid_value: null,
      },
    ],
  };
}

export function sendApiError(
  ex: HttpExchange,
  code: ApiErrorCode,
  status: number = API_ERRORS[code].status,
): void {
  ex.upstoxCode = code;
  ex.json(status, apiErrorEnvelope(code, API_ERRORS[code].message));
}

export function sendApiSuccess(ex: HttpExchange, data: unknown): void {
  ex.json(200, { status: "success", data });
}

/** §5.2: the login service says `success:false` in the body, whatever the HTTP status. */
export function sendServiceError(ex: HttpExchange, error: ServiceError, status: number): void {
  ex.upstoxCode = error.code;
  ex.json(status, { success: false, data: null, error: { code: error.code, message: error.message } });
}

export function sendServiceSuccess(ex: HttpExchange, data: unknown): void {
  ex.json(200, { success: true, data, error: null });
}
