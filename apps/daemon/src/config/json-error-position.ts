/** Where a JSON text stops being JSON: 1-based line and column, and the offset. */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
  /** What was found there, e.g. `"}"` or "the end of the file". */
  found: string;
}

class Stop {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/**
 * The first position at which `text` is not JSON (RFC 8259), or null when it is. Bun's JSON.parse names no
 * position ("Unrecognized token"), and a config error must say where to look. Never echoes the text: the file
 * may hold a secret.
 */
export function jsonErrorPosition(text: string): JsonErrorPosition | null {
  let at = 0;
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const expect = (char: string) => {
    if (text[at] !== char) throw new Stop(at);
    at++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (at >= text.length) throw new Stop(at);
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        at++;
        return;
      }
      if (c < 0x20) throw new Stop(at);
      if (c === 0x5c) {
        const next = text[at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) throw new Stop(at);
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 2;
        else throw new Stop(at);
      } else at++;
    }
  };
  const match = (pattern: RegExp) => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (!found) throw new Stop(at);
    at += found[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[at];
    if (c === "{") {
      at++;
      ws();
      if (text[at] === "}") {
        at++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        expect(":");
        value();
        ws();
        if (text[at] === ",") at++;
        else {
          expect("}");
          return;
        }
      }
    }
    if (c === "[") {
      at++;
      ws();
      if (text[at] === "]") {
        at++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[at] === ",") at++;
        else {
          expect("]");
          return;
        }
      }
    }
    if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) match(NUMBER);
    else match(LITERAL);
  };
  try {
    value();
    ws();
    if (at < text.length) throw new Stop(at);
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split("\n").length;
    const column = error.offset - (before.lastIndexOf("\n") + 1) + 1;
    const char = text[error.offset];
    const found =
      char === undefined
        ? "the end of the file"
        : /[{}[\]:,"]/.test(char)
          ? `"${char}"`
          : char === "\n" || char === "\r"
            ? "the end of the line"
            : "an unexpected character";
    return { offset: error.offset, line, column, found };
  }
}
