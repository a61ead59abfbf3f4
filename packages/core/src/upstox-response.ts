import type { z } from "zod";
import type { HttpResponse } from "./http-client.js";
import { errorFromBody, errorFromStatus, unexpectedResponse } from "./upstox-errors.js";

/**
 * Turns an Upstox answer into validated data or the right typed error. The body decides first (Upstox reports
 * errors with HTTP 200 too), then the status; a body that is not JSON or misses fields is UnexpectedResponseError.
 */
export function readUpstoxResponse<S extends z.ZodType>(
  response: HttpResponse,
  step: string,
  schema: S,
): z.output<S> {
  const ctx = { step, httpStatus: response.status };
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
