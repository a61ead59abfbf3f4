/** Query parameters that carry secrets or one-time credentials; debug logs show them as ***. */
const SECRET_PARAMS = new Set([
  "client_secret",
  "code",
  "access_token",
  "extended_token",
  "token",
  "otp",
  "pin",
  "password",
  "secret",
]);

/** A URL safe for logs: secret query values replaced by ***. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(unparseable URL)";
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMS.has(key.toLowerCase())) parsed.searchParams.set(key, "***");
  }
  return parsed.toString().replaceAll("%2A%2A%2A", "***");
}
