/** A Redis URL fit for logs and errors: the password becomes ***, the query string (which may hold one) goes. */
export function maskRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(unparseable Redis URL)";
  }
  const user = parsed.username;
  const credentials = parsed.password ? `${user}:***@` : user ? `${user}@` : "";
  const path = parsed.pathname && parsed.pathname !== "/" ? parsed.pathname : "";
  return `${parsed.protocol}//${credentials}${parsed.host}${path}`;
}

/** "host:port" for messages; the default port when the URL has none. */
export function redisEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "(unparseable Redis URL)";
  }
}

/** The password in a Redis URL (decoded), to scrub it from any message that might echo it. */
export function redisPassword(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const fromQuery = parsed.searchParams.get("password");
    return parsed.password ? decodeURIComponent(parsed.password) : (fromQuery ?? undefined);
  } catch {
    return undefined;
  }
}
