import type { HttpExchange } from "./http-exchange.js";

/** The `data` object of a login-service request body (`{"data":{…}}`), or an empty one. */
export function serviceRequestData(ex: HttpExchange): Record<string, unknown> {
  const body = ex.jsonBody();
  if (typeof body !== "object" || body === null) return {};
  const data = (body as Record<string, unknown>).data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}

export function stringField(data: Record<string, unknown>, name: string): string | undefined {
  const value = data[name];
  return typeof value === "string" ? value : undefined;
}
