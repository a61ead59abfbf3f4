import type { z } from "zod";
import { blockedError } from "./firewall-block.js";
import type { HttpResponse } from "./http-client.js";
import { type ErrorContext, errorFromBody, errorFromStatus, unexpectedResponse } from "./upstox-errors.js";

/**
 * Turns an Upstox answer into validated data or the right typed error. The body decides first (Upstox reports
 * errors with HTTP 200 too), then the status; a body that is not JSON or misses fields is UnexpectedResponseError.
 */
export function readUpstoxResponse<S extends z.ZodType>(
  response: HttpResponse,
  step: string,
  schema: S,
): z.output<S> {
  const ctx = responseContext(response, step);
  const blocked = blockedError(response, step, response.url);
  if (blocked) throw blocked;
  let body: unknown;
  try {
    body = response.text === "" ? undefined : JSON.parse(response.text);
  } catch {
    throw (
      errorFromStatus(response.status, ctx) ?? unexpectedResponse(ctx, `not JSON (${contentType(response)})`)
    );
  }
  const envelopeError = errorFromBody(body, ctx);
  if (envelopeError) throw envelopeError;
  const statusError = errorFromStatus(response.status, ctx);
  if (statusError) throw statusError;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)");
    throw unexpectedResponse(ctx, `missing or malformed ${[...new Set(fields)].join(", ")}`);
  }
  return parsed.data;
}

function contentType(response: HttpResponse): string {
  return response.headers.get("content-type")?.split(";")[0] ?? "no content type";
}

/** The error context of an answer: step, status and what a 429 says about waiting. */
export function responseContext(response: HttpResponse, step: string): ErrorContext {
  return {
    step,
    httpStatus: response.status,
    retryAfter: response.headers.get("retry-after"),
    receivedAt: response.receivedAt,
  };
}
