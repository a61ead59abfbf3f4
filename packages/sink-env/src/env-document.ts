/**
 * Finds and replaces values in .env text without touching any other byte. Entries are located with the very
 * expression dotenv (node) uses to parse, so "the entry for KEY" here is the one dotenv reads: for a key that
 * appears twice, the last occurrence (dotenv's parse lets the last one win; python-dotenv does the same).
 */

// dotenv 18's LINE expression, with capture groups added for the `export ` prefix and the separator. Capturing
// does not change what matches, so entries, multi-line quoted values and skipped lines are exactly dotenv's.
const ENTRY =
  /^\s*(export\s+)?([\w.-]+)(\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/dgm;

export interface EnvEntry {
  key: string;
  exported: boolean;
  /** Offsets in the original text. The value span includes its quotes and any leading whitespace. */
  valueStart: number;
  valueEnd: number;
}

/** Maps offsets in CRLF-normalised text back to the original, where each `\r\n` is one character longer. */
function offsetMapper(text: string): (normalizedOffset: number) => number {
  const removed: number[] = [];
  let shift = 0;
  for (let i = text.indexOf("\r\n"); i !== -1; i = text.indexOf("\r\n", i + 2)) {
    removed.push(i - shift);
    shift++;
  }
  return (offset) => {
    let low = 0;
    let high = removed.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((removed[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    return offset + low;
  };
}

/** Every entry dotenv would read, in file order (duplicates included). */
export function findEnvEntries(text: string): EnvEntry[] {
  // dotenv normalises line endings before parsing; do the same, then map offsets back.
  const normalized = text.replace(/\r\n?/g, "\n");
  const toOriginal = offsetMapper(text);
  const entries: EnvEntry[] = [];
  for (const match of normalized.matchAll(ENTRY)) {
    const indices = match.indices;
    const key = match[2];
    const separator = indices?.[3];
    if (!indices || !key || !separator) continue;
    const value = indices[4] ?? [separator[1], separator[1]];
    entries.push({
      key,
      exported: match[1] !== undefined,
      valueStart: toOriginal(value[0]),
      valueEnd: toOriginal(value[1]),
    });
  }
  return entries;
}

/** The file's line ending: the first one it uses, else "\n". */
export function detectLineEnding(text: string): "\n" | "\r\n" {
  const lf = text.indexOf("\n");
  return lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
}

const UNQUOTED_SAFE = /^[\w.\-:+/@%,=~]*$/;

/**
 * Writes a value so that dotenv (node) and python-dotenv read back exactly it. JWTs, numbers and ISO dates go
 * unquoted; anything else single-quoted (no escapes in either parser) or double-quoted. Returns null for values
 * no quoting keeps identical in both (newlines, or both quote kinds with backslashes or `$`).
 */
export function encodeEnvValue(value: string, preferredQuote?: "'" | '"'): string | null {
  if (value.includes("\n") || value.includes("\r")) return null;
  const singleOk = !value.includes("'") && !value.includes("\\");
  // python-dotenv expands ${VAR} and backslash escapes in double quotes; dotenv expands \n. Avoid all three.
  const doubleOk = !value.includes('"') && !value.includes("\\") && !value.includes("$");
  if (preferredQuote === "'" && singleOk) return `'${value}'`;
  if (preferredQuote === '"' && doubleOk) return `"${value}"`;
  if (UNQUOTED_SAFE.test(value)) return value;
  if (singleOk) return `'${value}'`;
  if (doubleOk) return `"${value}"`;
  return null;
}

export class UnencodableValueError extends Error {
  constructor(readonly key: string) {
    super(`the value for ${key} cannot be written so that both dotenv and python-dotenv read it unchanged`);
  }
}

/**
 * Sets `values` in `text`: each key's last entry gets the new value in place (keeping `export `, the spacing
 * around `=`, its quote style where the new value allows, and an inline comment); keys not present are appended
 * in the file's line ending. Every other byte stays as it was.
 */
export function setEnvValues(text: string, values: ReadonlyMap<string, string>): string {
  const entries = findEnvEntries(text);
  const last = new Map<string, EnvEntry>();
  for (const entry of entries) last.set(entry.key, entry);

  const edits: Array<{ start: number; end: number; replacement: string }> = [];
  const missing: string[] = [];
  for (const [key, value] of values) {
    const entry = last.get(key);
    if (!entry) {
      missing.push(key);
      continue;
    }
    edits.push({ ...replaceValue(text, entry, value), start: entry.valueStart, end: entry.valueEnd });
  }
  edits.sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.replacement + result.slice(edit.end);

  if (missing.length === 0) return result;
  const eol = detectLineEnding(text);
  // New keys follow the file's habit: `export ` if every existing entry has it.
  const prefix = entries.length > 0 && entries.every((e) => e.exported) ? "export " : "";
  if (result.length > 0 && !result.endsWith("\n") && !result.endsWith("\r")) result += eol;
  for (const key of missing) {
    const encoded = encodeEnvValue(values.get(key) as string);
    if (encoded === null) throw new UnencodableValueError(key);
    result += `${prefix}${key}=${encoded}${eol}`;
  }
  return result;
}

function replaceValue(text: string, entry: EnvEntry, value: string): { replacement: string } {
  const old = text.slice(entry.valueStart, entry.valueEnd);
  const trimmed = old.trim();
  const quote = trimmed[0] === "'" || trimmed[0] === '"' ? trimmed[0] : undefined;
  const encoded = encodeEnvValue(value, quote as "'" | '"' | undefined);
  if (encoded === null) throw new UnencodableValueError(entry.key);
  const leading = old.slice(0, old.length - old.trimStart().length);
  const trailing = trimmed.length === 0 ? old : old.slice(old.trimEnd().length);
  // Leading whitespace with a line break would move the value to the next line, where dotenv would not see it.
  const keepLeading = trimmed.length > 0 && !/[\r\n]/.test(leading) ? leading : "";
  // python-dotenv needs whitespace before an inline `#` comment; dotenv does not care.
  const after = text[entry.valueEnd];
  const gap = trailing === "" && after === "#" ? " " : trailing.replace(/[\r\n][\s\S]*$/, "");
  return { replacement: `${keepLeading}${encoded}${gap}` };
}
