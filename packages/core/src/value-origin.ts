/**
 * What an error about a variable's value should add: where the value came from, and the usual stray characters
 * (a Windows line ending, an inline comment, quotes) that make a right value wrong. It never shows the value.
 */
export function strayCharacters(value: string): string | undefined {
  if (value.includes("\r")) {
    return "it holds a carriage return (\\r): the file it came from has Windows line endings; save it with LF endings";
  }
  if (/(^|\s)#/.test(value)) {
    return 'it holds a comment ("# …"): the environment keeps everything after "=", so put the comment on its own line';
  }
  const trimmed = value.trim();
  if (/^(["']).*\1$/.test(trimmed) && trimmed.length >= 2) {
    return "it is wrapped in quotes, which became part of the value: remove them";
  }
  return undefined;
}

/**
 * ` (the value of UPSTOX_PIN_CODE, from the environment; it holds a comment …)`; without `variable` (the message
 * already names it) ` (value from the environment; …)`.
 */
export function describeValueOrigin(
  variable: string | undefined,
  origin: string,
  value: string | undefined,
): string {
  const stray = value === undefined ? undefined : strayCharacters(value);
  const what = variable === undefined ? "value" : `the value of ${variable},`;
  return ` (${what} from ${origin}${stray ? `; ${stray}` : ""})`;
}
