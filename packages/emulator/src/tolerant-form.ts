function decodeFormValue(raw: string): string {
  const spaced = raw.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * Parses an x-www-form-urlencoded body without insisting on correct encoding: batpool builds the
 * token request with an f-string, so values arrive with raw `:` and `/`.
 */
export function parseTolerantForm(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decodeFormValue(eq < 0 ? pair : pair.slice(0, eq)).trim();
    const value = eq < 0 ? "" : decodeFormValue(pair.slice(eq + 1));
    if (key && !fields.has(key)) fields.set(key, value);
  }
  return fields;
}
